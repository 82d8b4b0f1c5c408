/// Splits RFC 4180 text into records: fields separated by commas, records by CRLF or LF;
/// a field starting with `"` is quoted and may hold commas, doubled quotes and line breaks.
///
/// Completely empty lines between records are skipped and a trailing line break adds no
/// record. After broken quoting the reader resumes at the next line break, so one bad row does
/// not spoil the rows after it; an unterminated quote makes the rest of the text one bad row.
struct CSVReader {
    /// One record: its fields, or why they cannot be read, and the range of its raw text
    /// (without the final line break).
    struct Record {
        var fields: Result<[String], CSVSyntaxError>
        var text: Range<Int>
    }

    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The next record, or nil at the end of the text. `expectedFields` (the header's count)
    /// sizes the record's array once: grown field by field, a ten-field row cost five
    /// allocations.
    mutating func next(expectedFields: Int = 0) -> Record? {
        skipEmptyLines()
        guard position < bytes.count else { return nil }
        let recordStart = position
        var fields: [String] = []
        fields.reserveCapacity(min(max(expectedFields, 0), 4096))
        while true {
            let field = position < bytes.count && bytes[position] == .quote ? quotedField() : unquotedField()
            switch field {
            case .success(let value):
                fields.append(value)
            case .failure(let error):
                return Record(fields: .failure(error), text: recordStart..<skipRestOfLine(after: error))
            }
            // The field ended at a comma, a line break or the end of the text.
            if position < bytes.count && bytes[position] == .comma {
                position += 1
                continue
            }
            let recordEnd = position
            skipLineBreak()
            return Record(fields: .success(fields), text: recordStart..<recordEnd)
        }
    }

    private mutating func quotedField() -> Result<String, CSVSyntaxError> {
        position += 1
        var value: [UInt8] = []
        while true {
            guard position < bytes.count else { return .failure(.unterminatedQuote) }
            let byte = bytes[position]
            position += 1
            if byte == .quote {
                guard position < bytes.count && bytes[position] == .quote else { break }
                position += 1
            }
            value.append(byte)
        }
        guard position == bytes.count || bytes[position] == .comma || atLineBreak() else {
            return .failure(.textAfterClosingQuote)
        }
        return .success(String(decoding: value, as: UTF8.self))
    }

    private mutating func unquotedField() -> Result<String, CSVSyntaxError> {
        let fieldStart = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == .comma || atLineBreak() { break }
            if byte == .quote { return .failure(.quoteInUnquotedField) }
            position += 1
        }
        return .success(String(decoding: bytes[fieldStart..<position], as: UTF8.self))
    }

    /// Whether a line break (LF or CRLF) starts at the current position.
    private func atLineBreak() -> Bool {
        let byte = bytes[position]
        return byte == .lineFeed
            || (byte == .carriageReturn && position + 1 < bytes.count && bytes[position + 1] == .lineFeed)
    }

    private mutating func skipLineBreak() {
        guard position < bytes.count else { return }
        position += bytes[position] == .carriageReturn ? 2 : 1
    }

    private mutating func skipEmptyLines() {
        while position < bytes.count && atLineBreak() { skipLineBreak() }
    }

    /// Moves past the line holding a syntax error and returns where that record's text ends.
    private mutating func skipRestOfLine(after error: CSVSyntaxError) -> Int {
        if error == .unterminatedQuote {
            position = bytes.count
            return position
        }
        while position < bytes.count && !atLineBreak() { position += 1 }
        let recordEnd = position
        skipLineBreak()
        return recordEnd
    }
}
