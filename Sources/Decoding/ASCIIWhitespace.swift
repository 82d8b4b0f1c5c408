/// ASCII whitespace as SPEC uses the term: space, tab, LF, VT, FF, CR.
enum ASCIIWhitespace {
    static func contains(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace.
    func trimmingASCIIWhitespace() -> String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !ASCIIWhitespace.contains($0) }),
              let last = bytes.lastIndex(where: { !ASCIIWhitespace.contains($0) }) else { return "" }
        if first == 0 && last == bytes.count - 1 { return self }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
