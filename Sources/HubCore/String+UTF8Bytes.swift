extension String {
    /// Whether the string's UTF-8 is exactly `bytes`: lengths first (most names differ there),
    /// then the bytes in place, without building a `String` from them.
    @inlinable
    public func hasUTF8<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        let utf8 = self.utf8
        guard utf8.count == bytes.count else { return false }
        return utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) } ?? utf8.elementsEqual(bytes)
    }

    /// Whether both strings are the same UTF-8 bytes: `==` without Unicode canonical
    /// equivalence. Field names are told apart this way (the standardiser maps them byte for
    /// byte), and `==` normalises non-ASCII text on each comparison: Chinese field names made
    /// the JSON reader's duplicate check a tenth of its time.
    @inlinable
    public func hasSameUTF8(as other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        if case let equal?? = a.withContiguousStorageIfAvailable({ x in b.withContiguousStorageIfAvailable { y in x.elementsEqual(y) } }) {
            return equal
        }
        return a.elementsEqual(b)
    }
}
