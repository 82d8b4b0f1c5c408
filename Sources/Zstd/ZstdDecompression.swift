import CZstd

extension Zstd {
    /// Decompresses a value made of one or more concatenated zstd frames.
    ///
    /// Works whether or not a frame header records the content size. Decoding streams in
    /// chunks and stops with ``ZstdError/outputTooLarge`` as soon as the output would exceed
    /// `maxOutput` bytes, so a decompression bomb never allocates much more than `maxOutput`:
    /// the output buffer never grows past it (briefly ~1.5× while it is being enlarged), and a
    /// frame may not ask for a window larger than `max(maxOutput, 8 MiB)`.
    ///
    /// - Throws: ``ZstdError/outputTooLarge`` when the output would exceed `maxOutput`;
    ///   ``ZstdError/malformed(_:)`` for empty input, a truncated or corrupt frame, or
    ///   trailing bytes that are not a frame.
    public static func decompress(_ input: [UInt8], maxOutput: Int) throws(ZstdError) -> [UInt8] {
        guard !input.isEmpty else { throw .malformed("empty input") }
        let limit = max(0, maxOutput)

        let declaredSize = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        let sizeIsDeclared = declaredSize != contentSizeUnknown && declaredSize != contentSizeError
        if sizeIsDeclared && declaredSize > UInt64(limit) { throw .outputTooLarge }

        var decoder = BoundedDecoder(limit: limit)
        if sizeIsDeclared { decoder.output.reserveCapacity(Int(declaredSize)) }
        try decoder.decode(input)
        return decoder.output
    }

    // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are macros Swift does not import.
    private static let contentSizeUnknown = UInt64.max
    private static let contentSizeError = UInt64.max - 1
}

/// One streaming decompression with an output limit.
private struct BoundedDecoder {
    let limit: Int
    var output: [UInt8] = []

    init(limit: Int) {
        self.limit = limit
    }

    mutating func decode(_ input: [UInt8]) throws(ZstdError) {
        // A fresh context for every value. Contexts used to be pooled (reset before reuse), but
        // a reset keeps the buffers an earlier, larger frame made the context allocate, and a
        // corrupt frame's verdict depends on them: the same damaged value was "Destination
        // buffer is too small" from a fresh context and "Data corruption detected" after a
        // large frame, and the damaged-frame property test failed about one run in forty.
        // Decoding must be a function of the value alone (a replay must quarantine the same
        // unit for the same reason), which is worth the allocation (~1 % of ingest's time).
        guard let context = ZSTD_createDCtx() else { throw .malformed("cannot allocate a decoder") }
        defer { ZSTD_freeDCtx(context) }
        ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, Self.windowLogMax(for: limit))

        let chunkSize = ZSTD_DStreamOutSize()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
        defer { chunk.deallocate() }

        let failure: ZstdError? = input.withUnsafeBytes { source in
            var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            while true {
                var outBuffer = ZSTD_outBuffer(dst: chunk.baseAddress, size: chunkSize, pos: 0)
                let consumedBefore = inBuffer.pos
                let hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                if ZSTD_isError(hint) != 0 {
                    if ZSTD_getErrorCode(hint) == ZSTD_error_frameParameter_windowTooLarge {
                        return .outputTooLarge
                    }
                    return .malformed(String(cString: ZSTD_getErrorName(hint)))
                }
                if outBuffer.pos > 0 {
                    guard append(UnsafeRawBufferPointer(start: chunk.baseAddress, count: outBuffer.pos)) else {
                        return .outputTooLarge
                    }
                }
                let inputDone = inBuffer.pos == inBuffer.size
                // 0 means a frame ended and everything is flushed; more input starts a new frame.
                if hint == 0 && inputDone { return nil }
                if inputDone && outBuffer.pos < outBuffer.size { return .malformed("truncated frame") }
                if inBuffer.pos == consumedBefore && outBuffer.pos == 0 { return .malformed("decoder made no progress") }
            }
        }
        if let failure { throw failure }
    }

    /// Appends decoded bytes unless that would pass the limit. Capacity grows geometrically
    /// but never beyond the limit, so the array itself stays within ~`limit` bytes.
    private mutating func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let needed = output.count + bytes.count
        guard needed <= limit else { return false }
        if needed > output.capacity {
            output.reserveCapacity(min(limit, max(needed, output.capacity * 2)))
        }
        output.append(contentsOf: bytes)
        return true
    }

    /// The largest window (log2 bytes) a frame may ask for: enough for the limit, and never
    /// less than 2^23, the window of every standard compression level up to 19, so that
    /// ordinary frames decode under small limits too.
    private static func windowLogMax(for limit: Int) -> Int32 {
        let needed = limit <= 1 ? 0 : Int.bitWidth - (limit - 1).leadingZeroBitCount
        return Int32(min(31, max(23, needed)))
    }
}
