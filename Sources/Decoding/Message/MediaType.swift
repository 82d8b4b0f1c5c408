/// A `content-type` header value parsed as in HTTP (RFC 9110 §8.3.1):
/// `type "/" subtype *( OWS ";" OWS [ name OWS "=" OWS ( token / quoted-string ) ] )`.
///
/// Type, subtype and parameter names are case-insensitive and kept in lower case. Whitespace
/// is also tolerated around `=`, as SPEC §2 asks. Parameter values keep their case; a repeated
/// parameter's last occurrence wins.
struct MediaType: Hashable {
    /// `type/subtype` in lower case, e.g. `text/csv`.
    var essence: String
    /// Parameters by lower-case name, values unquoted.
    var parameters: [String: String]

    /// Parses a header value; nil when it is not a syntactically valid media type.
    init?(_ text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        scanner.skipWhitespace()
        guard let type = scanner.token(), scanner.take(UInt8(ascii: "/")),
              let subtype = scanner.token() else { return nil }
        essence = (type + "/" + subtype).lowercased()
        parameters = [:]
        while true {
            scanner.skipWhitespace()
            if scanner.atEnd { return }
            guard scanner.take(UInt8(ascii: ";")) else { return nil }
            scanner.skipWhitespace()
            if scanner.atEnd || scanner.peek == UInt8(ascii: ";") { continue }
            guard let name = scanner.token() else { return nil }
            scanner.skipWhitespace()
            guard scanner.take(UInt8(ascii: "=")) else { return nil }
            scanner.skipWhitespace()
            let value = scanner.peek == UInt8(ascii: "\"") ? scanner.quotedString() : scanner.token()
            guard let value else { return nil }
            parameters[name.lowercased()] = value
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position == bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[position] }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 { position += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            position += 1
            return true
        }

        /// A non-empty RFC 9110 token.
        mutating func token() -> String? {
            let start = position
            while let byte = peek, Self.isTokenByte(byte) { position += 1 }
            guard position > start else { return nil }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// A quoted-string with quoted-pairs resolved; nil when unterminated.
        mutating func quotedString() -> String? {
            position += 1
            var value: [UInt8] = []
            while let byte = peek {
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: value, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek else { return nil }
                    position += 1
                    value.append(escaped)
                default:
                    value.append(byte)
                }
            }
            return nil
        }

        private static func isTokenByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
