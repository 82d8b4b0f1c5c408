import ArgumentParser
import Decoding

/// The whole-value size limits of SPEC §4 (`too_large`), for a worker that decodes raw
/// messages: hub-ingest, and hub-transform with `--input raw`.
public struct DecodingOptions: ParsableArguments {
    @Option(name: .long, help: "Largest raw value accepted as stored, in bytes (larger is too_large). Env HUB_MAX_VALUE_BYTES. Default 1048576 (1 MiB).")
    public var maxValueBytes: Int?

    @Option(name: .long, help: "Largest value after zstd decompression, in bytes (larger is too_large). Env HUB_MAX_DECOMPRESSED_BYTES. Default 16777216 (16 MiB).")
    public var maxDecompressedBytes: Int?

    public init() {}

    /// The limits from the flags, the environment, the configuration file or the defaults.
    public func limits(_ source: SettingSource) throws(ConfigurationError) -> DecodingLimits {
        DecodingLimits(
            maxValueBytes: try source.integer(maxValueBytes, flag: "--max-value-bytes", env: "HUB_MAX_VALUE_BYTES",
                                              default: 1 << 20, range: 1...Int(Int32.max), unit: "bytes"),
            maxDecompressedBytes: try source.integer(maxDecompressedBytes, flag: "--max-decompressed-bytes",
                                                     env: "HUB_MAX_DECOMPRESSED_BYTES", default: 16 << 20,
                                                     range: 1...Int(Int32.max), unit: "bytes"))
    }
}
