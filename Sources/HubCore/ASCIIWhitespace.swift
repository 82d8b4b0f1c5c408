/// ASCII whitespace as SPEC uses the term: space, tab, LF, VT, FF, CR.
public enum ASCIIWhitespace {
    public static func contains(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace (SPEC §2 trims values this
    /// way; other Unicode spaces are kept). Returns `self` when there is nothing to trim.
    public func trimmingASCIIWhitespace() -> String {
        let u = utf8
        // Most values have nothing to trim: their first and last bytes settle it (read from
        // the string's own storage: `utf8.last` is a generic walk back).
        let settled = u.withContiguousStorageIfAvailable { b in
            guard let head = b.first, let tail = b.last else { return false }
            return !ASCIIWhitespace.contains(head) && !ASCIIWhitespace.contains(tail)
        }
        if settled == true { return self }
        guard let first = u.firstIndex(where: { !ASCIIWhitespace.contains($0) }),
              let last = u.lastIndex(where: { !ASCIIWhitespace.contains($0) }) else { return "" }
        if first == u.startIndex && last == u.index(before: u.endIndex) { return self }
        return String(self[first...last])
    }
}
