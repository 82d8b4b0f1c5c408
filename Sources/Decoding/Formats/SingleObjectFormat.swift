import HubCore

/// `application/json`: the value is exactly one JSON object, which is the one record (row 0).
/// Anything else — unparsable text, another JSON value, duplicate field names, content after
/// the object — spoils the whole value.
enum SingleObjectFormat: RecordFormat {
    static let mediaType = "application/json"

    static func records(in text: [UInt8]) throws(DecodingFailure) -> [DecodedRecord] {
        var reader = JSONRecordReader(text, range: text.indices)
        do {
            let object = try reader.readSoleObject()
            return [.record(RawRecord(row: 0, fields: object.fields, text: text[object.text]))]
        } catch {
            throw .malformed(error.detail)
        }
    }
}
