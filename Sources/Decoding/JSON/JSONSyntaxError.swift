/// Why a record's JSON text was rejected. Offsets count bytes from the start of the record's
/// text; no case quotes the text itself, so a detail is safe to log.
enum JSONSyntaxError: Error, Hashable {
    case unexpectedEnd
    case unexpectedByte(offset: Int)
    case notAnObject
    case invalidNumber(offset: Int)
    case invalidEscape(offset: Int)
    case controlCharacterInString(offset: Int)
    case loneSurrogate(offset: Int)
    case duplicateFieldName(offset: Int)
    case tooDeep(offset: Int)
    case trailingContent(offset: Int)

    /// A short human reason for a quarantine detail.
    var detail: String {
        switch self {
        case .unexpectedEnd: "invalid JSON: unexpected end of text"
        case .unexpectedByte(let offset): "invalid JSON: unexpected byte at offset \(offset)"
        case .notAnObject: "JSON value is not an object"
        case .invalidNumber(let offset): "invalid JSON: bad number at offset \(offset)"
        case .invalidEscape(let offset): "invalid JSON: bad escape at offset \(offset)"
        case .controlCharacterInString(let offset): "invalid JSON: control character in string at offset \(offset)"
        case .loneSurrogate(let offset): "invalid JSON: lone surrogate escape at offset \(offset)"
        case .duplicateFieldName(let offset): "duplicate field name at offset \(offset)"
        case .tooDeep(let offset): "JSON nested deeper than \(JSONRecordReader.maxDepth) levels at offset \(offset)"
        case .trailingContent(let offset): "invalid JSON: content after the object at offset \(offset)"
        }
    }
}
