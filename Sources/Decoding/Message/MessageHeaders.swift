/// A message's Kafka headers as the decoder reads them (SPEC §2): names compare
/// case-insensitively and, when a header repeats, its last occurrence wins.
struct MessageHeaders {
    private let headers: [(name: String, value: [UInt8]?)]

    init(_ headers: [(name: String, value: [UInt8]?)]) {
        self.headers = headers
    }

    /// The value of the last header called `name` (lower-case ASCII). A header whose value is
    /// null carries nothing, so it reads as absent.
    func value(named name: String) -> [UInt8]? {
        for header in headers.reversed() where Self.equalIgnoringASCIICase(header.name, name) {
            return header.value
        }
        return nil
    }

    private static func equalIgnoringASCIICase(_ candidate: String, _ lowerCased: String) -> Bool {
        candidate.utf8.elementsEqual(lowerCased.utf8) { byte, expected in
            (0x41...0x5A).contains(byte) ? byte | 0x20 == expected : byte == expected
        }
    }
}
