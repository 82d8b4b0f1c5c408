/// Size limits of the whole-value checks (SPEC §4, `too_large`).
public struct DecodingLimits: Sendable, Hashable {
    /// The largest value accepted as stored in Kafka, before any decompression.
    public var maxValueBytes: Int = 1 << 20
    /// The largest value accepted after zstd decompression.
    public var maxDecompressedBytes: Int = 16 << 20

    /// Limits with SPEC's defaults: 1 MiB as stored, 16 MiB decompressed.
    public init(maxValueBytes: Int = 1 << 20, maxDecompressedBytes: Int = 16 << 20) {
        self.maxValueBytes = maxValueBytes
        self.maxDecompressedBytes = maxDecompressedBytes
    }
}
