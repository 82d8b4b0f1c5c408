/// RFC 4180 CSV, the one writer every export uses (snapshot exports, data-space exports, the
/// sample generator; hub-api's CSV responses are meant to use it too): fields joined by commas,
/// records ended by CRLF, a field quoted — inner quotes doubled — when it holds a quote, a comma,
/// a CR or a LF. Decided on bytes: in Swift `"\r\n"` is one `Character`, so a `Character` test for
/// `"\r"` or `"\n"` misses a CRLF inside a value (the bug of the three hand-written writers this
/// replaces). `nil` is an empty field.
///
/// `byteOrderMark` starts the output with EF BB BF, which spreadsheet programs (Excel) need to
/// read UTF-8 — Chinese names — correctly; readers that follow RFC 4180 strictly may not expect it.
public struct CSVWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(byteOrderMark: Bool = false) {
        if byteOrderMark { bytes = [0xEF, 0xBB, 0xBF] }
    }

    /// Appends one record.
    public mutating func writeRecord(_ fields: [String?]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            if let field { Self.appendField(field, to: &bytes) }
        }
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    /// Appends one record of non-optional fields.
    public mutating func writeRecord(_ fields: [String]) {
        writeRecord(fields.map(Optional.some))
    }

    /// Whether `field` must be quoted: it holds `"`, `,`, CR or LF (looked at byte by byte).
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

    /// The output as text (it is always valid UTF-8).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
