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
        while lineStart < text.count {
            lineNumber &+= 1
            var lineEnd = lineStart
            while lineEnd < text.count && text[lineEnd] != .lineFeed { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > lineStart && text[contentEnd - 1] == .carriageReturn { contentEnd -= 1 }
            let line = lineStart..<contentEnd
            lineStart = lineEnd + 1

            guard text[line].contains(where: { !ASCIIWhitespace.contains($0) }) else { continue }
            var reader = JSONRecordReader(text, range: line)
            do {
                let object = try reader.readSoleObject()
                records.append(.record(RawRecord(row: lineNumber, fields: object.fields, text: Array(text[object.text]))))
            } catch {
                records.append(.malformed(row: lineNumber, detail: error.detail, text: Array(text[line])))
            }
        }
        return records
    }
}
