/// RFC 4180 CSV, written the one way every hub-api export uses: fields joined by commas,
/// records ended by CRLF, a field quoted (inner quotes doubled) when it holds a quote, a
/// comma, a CR or a LF. Decided on bytes, because in Swift `"\r\n"` is one `Character` and a
/// `String.contains("\r")` check misses it.
public struct CSVWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    /// - Parameter byteOrderMark: start with EF BB BF so spreadsheet programs read UTF-8.
    public init(byteOrderMark: Bool = false) {
        if byteOrderMark { bytes = [0xEF, 0xBB, 0xBF] }
    }

    public mutating func writeRecord(_ fields: [String?]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            if let field { Self.appendField(field, to: &bytes) }
        }
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    public static func needsQuotes(_ field: String) -> Bool {
        field.utf8.contains { $0 == 0x22 || $0 == 0x2C || $0 == 0x0D || $0 == 0x0A }
    }

    static func appendField(_ field: String, to out: inout [UInt8]) {
        guard needsQuotes(field) else {
            out.append(contentsOf: field.utf8)
            return
        }
        out.append(0x22)
        for b in field.utf8 {
            if b == 0x22 { out.append(0x22) }
            out.append(b)
        }
        out.append(0x22)
    }
}
