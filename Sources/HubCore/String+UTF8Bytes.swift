extension String {
    /// Whether the string's UTF-8 is exactly `bytes`: lengths first (most names differ there),
    /// then the bytes in place, without building a `String` from them.
    @inlinable
    public func hasUTF8<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        let utf8 = self.utf8
        guard utf8.count == bytes.count else { return false }
        return utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) } ?? utf8.elementsEqual(bytes)
    }
}
