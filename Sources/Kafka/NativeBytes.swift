/// A valid, never-written address for zero-length payloads. librdkafka treats a NULL
/// pointer as a null key/value, so an empty (but present) one needs a non-NULL pointer.
nonisolated(unsafe) private let zeroLengthPayload = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

/// Calls `body` with a C view of optional bytes: NULL for nil, a non-NULL pointer for `[]`.
func withOptionalBytes<Result>(
    _ bytes: [UInt8]?, _ body: (UnsafeMutableRawPointer?, Int) throws -> Result
) rethrows -> Result {
    guard let bytes else { return try body(nil, 0) }
    if bytes.isEmpty { return try body(zeroLengthPayload, 0) }
    return try bytes.withUnsafeBytes { buffer in
        try body(UnsafeMutableRawPointer(mutating: buffer.baseAddress), buffer.count)
    }
}

/// Copies `count` bytes at `pointer` into an array; NULL becomes nil.
func copyOptionalBytes(_ pointer: UnsafeRawPointer?, count: Int) -> [UInt8]? {
    guard let pointer else { return nil }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
}
