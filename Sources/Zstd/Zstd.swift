/// Zstandard frames (RFC 8878) behind a small, safe API over libzstd.
///
/// Producers may compress a raw message value with zstd (SPEC §2, `content-encoding: zstd`).
/// Decompression is bounded: a value that would expand beyond a limit is refused while it is
/// being decoded, so a decompression bomb never costs more memory than the limit allows.
public enum Zstd {}
