import HubCore

/// `application/x-ndjson`: one JSON object per line, lines ending in LF or CRLF.
///
/// A record's row is its 1-based physical line number; blank lines (empty or only ASCII
/// whitespace) yield nothing but still count, so positions stay stable. A line that is not a
/// valid JSON object is malformed on its own; its neighbours are unaffected.
enum NDJSONFormat: RecordFormat {
    static let mediaType = "application/x-ndjson"

    static func records(in text: [UInt8]) -> [DecodedRecord] {
        var records: [DecodedRecord] = []
        var lineNumber: Int32 = 0
        var lineStart = 0
        // The last good line's field names, when written without escapes: lines usually
        // repeat them, and the reader then takes them from here.
        var names: [String] = []
        while lineStart < text.count {
            lineNumber &+= 1
            // The reader stops at the line feed, so a good line is scanned only once.
            var reader = JSONRecordReader(text, range: lineStart..<text.count, lineMode: true)
            do {
                let object = try reader.readSoleObject(namesLike: names)
                if object.reusedNames != names.count || object.fields.count != names.count {
                    names = object.namesEscapeFree ? object.fields.map(\.name) : []
                }
                records.append(.record(RawRecord(row: lineNumber, fields: object.fields, text: text[object.text])))
                lineStart = object.end + 1
            } catch {
                let line = lineRange(in: text, from: lineStart)
                lineStart = line.upperBound + 1
                let content = contentRange(of: line, in: text)
                guard text[content].contains(where: { !ASCIIWhitespace.contains($0) }) else { continue }
                records.append(.malformed(row: lineNumber, detail: error.detail, text: Array(text[content])))
            }
        }
        return records
    }

    /// The line starting at `start`, up to (not including) its line feed or the end.
    private static func lineRange(in text: [UInt8], from start: Int) -> Range<Int> {
        var end = start
        while end < text.count && text[end] != .lineFeed { end += 1 }
        return start..<end
    }

    /// The line without the carriage return of a CRLF.
    private static func contentRange(of line: Range<Int>, in text: [UInt8]) -> Range<Int> {
        guard !line.isEmpty, text[line.upperBound - 1] == .carriageReturn else { return line }
        return line.lowerBound..<(line.upperBound - 1)
    }
}
