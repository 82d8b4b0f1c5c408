/// A character encoding a raw value may declare with the `charset` parameter (SPEC §2).
/// Every value is turned into UTF-8 before it is split into records.
enum TextCharset: Sendable {
    case utf8
    /// GB18030, which also decodes GBK (its subset).
    case gb18030

    /// The charset named by a `charset` parameter (case-insensitive): `utf-8`, `gbk` or
    /// `gb18030`. Nothing else is accepted, not even aliases such as `utf8`.
    init?(parameter: String) {
        switch parameter.lowercased() {
        case "utf-8": self = .utf8
        case "gbk", "gb18030": self = .gb18030
        default: return nil
        }
    }

    /// The value as validated UTF-8 without a leading byte-order mark.
    func decodeToUTF8(_ bytes: [UInt8]) throws(DecodingFailure) -> [UInt8] {
        let text: [UInt8]
        switch self {
        case .utf8:
            if let offset = UTF8Validation.firstInvalidOffset(in: bytes) {
                throw .malformed("invalid UTF-8 at byte \(offset)")
            }
            text = bytes
        case .gb18030:
            text = try GB18030Decoder.decode(bytes)
        }
        return Self.droppingByteOrderMark(text)
    }

    private static func droppingByteOrderMark(_ text: [UInt8]) -> [UInt8] {
        text.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(text.dropFirst(3)) : text
    }
}
