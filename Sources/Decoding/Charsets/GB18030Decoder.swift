import Glibc

/// GB18030 (and so GBK) to UTF-8 through glibc's iconv — Foundation has no GBK on Linux.
///
/// This is the module's only unsafe code: iconv works on raw buffers.
enum GB18030Decoder {
    /// The bytes as UTF-8; a byte sequence that is not valid GB18030, including one cut off at
    /// the end, makes the whole value malformed.
    static func decode(_ bytes: [UInt8]) throws(DecodingFailure) -> [UInt8] {
        guard let converter = iconv_open("UTF-8", "GB18030"),
              converter != iconv_t(bitPattern: -1) else {
            throw .malformed("GB18030 decoding is unavailable")
        }
        defer { iconv_close(converter) }

        // One GB18030 byte never becomes more than two UTF-8 bytes (2 → ≤ 3, 4 → ≤ 4).
        let capacity = bytes.count * 2 + 4
        var failureOffset: Int?
        var truncated = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
            bytes.withUnsafeBufferPointer { input in
                var inPointer = UnsafeMutableRawPointer(mutating: input.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = input.count
                var outPointer = UnsafeMutableRawPointer(buffer.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = capacity
                if iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) == -1 {
                    truncated = errno == EINVAL
                    failureOffset = input.count - inLeft
                }
                initializedCount = capacity - outLeft
            }
        }
        if let failureOffset {
            throw .malformed(truncated
                ? "truncated GB18030 sequence at byte \(failureOffset)"
                : "invalid GB18030 at byte \(failureOffset)")
        }
        return output
    }
}
