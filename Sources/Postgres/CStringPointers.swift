/// Hands `strings` to C as an array of C string pointers (nil stays a null pointer), all
/// valid only inside `body`. The strings share one NUL-separated byte buffer, so a call
/// costs two allocations however many strings there are.
///
/// - Throws: ``PGError`` when a string contains a NUL character: C would silently cut it
///   there, and PostgreSQL text cannot store it anyway.
func withCStringPointers<R>(
    _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R
) throws -> R {
    if strings.isEmpty { return try body(nil) }
    var bytes: [CChar] = []
    var offsets: [Int?] = []
    offsets.reserveCapacity(strings.count)
    for (index, string) in strings.enumerated() {
        guard let string else {
            offsets.append(nil)
            continue
        }
        offsets.append(bytes.count)
        for byte in string.utf8 {
            guard byte != 0 else {
                throw PGError(sqlState: "22021",
                              message: "value $\(index + 1) contains a NUL character, which PostgreSQL text cannot store")
            }
            bytes.append(CChar(bitPattern: byte))
        }
        bytes.append(0)
    }
    return try bytes.withUnsafeBufferPointer { buffer in
        let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
            offset.map { buffer.baseAddress! + $0 }
        }
        return try pointers.withUnsafeBufferPointer { try body($0.baseAddress) }
    }
}
