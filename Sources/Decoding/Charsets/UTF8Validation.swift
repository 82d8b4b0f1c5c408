/// Strict UTF-8 well-formedness (Unicode §3.9, table 3-7): overlong forms, surrogates, code
/// points above U+10FFFF and truncated sequences are all invalid.
enum UTF8Validation {
    /// The offset of the first byte that starts an ill-formed sequence, or nil if well-formed.
    static func firstInvalidOffset(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { firstInvalidOffset(in: $0) }
    }

    /// Runs of ASCII are checked eight bytes at a time: every value passes through here before
    /// it is split, and byte by byte this was ~1.7 % of Transform's CPU. Every read is inside
    /// `bytes`: the word loop reads only while eight bytes remain, and a sequence is read only
    /// after its length is known to fit.
    static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var index = 0
        while index < count {
            while count - index >= 8 {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                index &+= 8
            }
            guard index < count else { return nil }
            let lead = base[index]
            if lead < 0x80 {
                index &+= 1
                continue
            }
            // The range allowed for the second byte and the sequence length, by lead byte.
            let secondRange: ClosedRange<UInt8>
            let length: Int
            switch lead {
            case 0xC2...0xDF: secondRange = 0x80...0xBF; length = 2
            case 0xE0: secondRange = 0xA0...0xBF; length = 3
            case 0xE1...0xEC, 0xEE...0xEF: secondRange = 0x80...0xBF; length = 3
            case 0xED: secondRange = 0x80...0x9F; length = 3
            case 0xF0: secondRange = 0x90...0xBF; length = 4
            case 0xF1...0xF3: secondRange = 0x80...0xBF; length = 4
            case 0xF4: secondRange = 0x80...0x8F; length = 4
            default: return index
            }
            guard length <= count - index, secondRange.contains(base[index + 1]) else { return index }
            var continuation = index + 2
            while continuation < index + length {
                if base[continuation] & 0xC0 != 0x80 { return index }
                continuation += 1
            }
            index += length
        }
        return nil
    }
}
