/// Why a zstd value could not be decompressed.
public enum ZstdError: Error, Sendable, Hashable {
    /// The output would exceed the caller's limit, or the frame declares a window (the memory
    /// needed to decode it) larger than the decoder allows for that limit.
    case outputTooLarge
    /// The input is not a complete, valid sequence of zstd frames: empty, truncated, corrupt,
    /// or followed by bytes that are not a frame. The text is libzstd's description.
    case malformed(String)
}

/// Compression failed: libzstd could not get the memory it needs (with a destination of
/// `ZSTD_compressBound` bytes nothing else can fail). Transient: the same input compresses
/// once memory is available.
public struct ZstdCompressionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libzstd's description.
    public var reason: String

    public var description: String { "zstd compression failed: \(reason)" }
}
