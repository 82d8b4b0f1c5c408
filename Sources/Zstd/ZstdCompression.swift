import CZstd

extension Zstd {
    /// Compresses `input` into one zstd frame whose header records the content size.
    ///
    /// - Parameter level: a zstd compression level; out-of-range levels are clamped by libzstd.
    /// - Throws: ``ZstdCompressionError`` when libzstd cannot (it can only run out of memory):
    ///   a transient failure, never a trap.
    public static func compress(_ input: [UInt8], level: Int = 3) throws(ZstdCompressionError) -> [UInt8] {
        try compress(input, level: level, includeContentSize: true)
    }

    /// Compresses `input` into one zstd frame, optionally leaving the content size out of the
    /// frame header — as a streaming producer that does not know the size in advance would.
    public static func compress(_ input: [UInt8], level: Int, includeContentSize: Bool) throws(ZstdCompressionError) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { throw ZstdCompressionError(reason: "no memory for a compression context") }
        defer { ZSTD_freeCCtx(context) }
        let clampedLevel = Int32(clamping: level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, clampedLevel)
        ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, includeContentSize ? 1 : 0)

        let bound = ZSTD_compressBound(input.count)
        var failure: Int?
        let frame = input.withUnsafeBytes { source in
            [UInt8](unsafeUninitializedCapacity: bound) { destination, initializedCount in
                let written = ZSTD_compress2(
                    context, destination.baseAddress, bound, source.baseAddress, source.count)
                // With a destination of ZSTD_compressBound bytes and valid parameters, libzstd
                // can only fail on memory exhaustion.
                if ZSTD_isError(written) != 0 {
                    failure = written
                    initializedCount = 0
                } else {
                    initializedCount = written
                }
            }
        }
        if let failure { throw ZstdCompressionError(reason: String(cString: ZSTD_getErrorName(failure))) }
        return frame
    }
}
