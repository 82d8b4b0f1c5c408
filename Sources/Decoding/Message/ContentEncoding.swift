import HubCore
import Zstd

/// The `content-encoding` header of a raw message (SPEC §2).
enum ContentEncoding: Sendable {
    /// Absent, empty or `identity`: the value holds the bytes themselves.
    case identity
    /// `zstd`: the value is zstd-compressed (content size in the frame header optional).
    case zstd

    /// The encoding a header value names (trimmed, case-insensitive).
    init(header: [UInt8]?) throws(DecodingFailure) {
        let name = String(decoding: header ?? [], as: UTF8.self)
        switch name.trimmingASCIIWhitespace().lowercased() {
        case "", "identity": self = .identity
        case "zstd": self = .zstd
        default: throw .malformed("unknown content encoding \(DecodingFailure.quoted(name))")
        }
    }

    /// The value's content: decompressed if it is encoded, subject to `maxBytes`.
    func decode(_ value: [UInt8], maxBytes: Int) throws(DecodingFailure) -> [UInt8] {
        switch self {
        case .identity:
            return value
        case .zstd:
            do {
                return try Zstd.decompress(value, maxOutput: maxBytes)
            } catch {
                switch error {
                case .outputTooLarge: throw .tooLarge("zstd content exceeds \(maxBytes) bytes")
                case .malformed(let why): throw .malformed("broken zstd frame: \(why)")
                }
            }
        }
    }
}
