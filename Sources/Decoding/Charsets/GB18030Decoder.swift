import Glibc

/// GB18030 (and so GBK) to UTF-8 — Foundation has no GBK on Linux.
///
/// glibc's iconv is the authority. It decodes character by character through UCS-4, and in
/// profiles of Transform on the benchmark's mix (a third of the values with Chinese text come
/// in GBK or GB18030) its two conversion steps were about 2 % of all samples. So values made only
/// of ASCII and two-byte sequences (all of GBK) go through a table of the two-byte
/// sequences' UTF-8, built once *by iconv itself*; anything else — a four-byte sequence, a
/// byte iconv refuses, a sequence cut off at the end — sends the whole value through iconv,
/// so results and error messages are iconv's in every case.
///
/// This is the module's only unsafe code: iconv works on raw buffers.
enum GB18030Decoder {
    /// The bytes as UTF-8; a byte sequence that is not valid GB18030, including one cut off at
    /// the end, makes the whole value malformed.
    static func decode(_ bytes: [UInt8]) throws(DecodingFailure) -> [UInt8] {
        if let table = twoByteTable, let text = decodeByTable(bytes, table) { return text }
        return try decodeWithIconv(bytes)
    }

    // MARK: Two-byte table

    /// Lead bytes 0x81…0xFE, trail bytes 0x40…0xFE (0x7F is never a trail byte).
    static let leads: ClosedRange<UInt8> = 0x81...0xFE
    static let trails: ClosedRange<UInt8> = 0x40...0xFE

    /// The slot of a two-byte sequence, or nil when it is not one.
    @inline(__always) static func slot(_ lead: UInt8, _ trail: UInt8) -> Int? {
        guard leads.contains(lead), trails.contains(trail), trail != 0x7F else { return nil }
        return Int(lead &- leads.lowerBound) &* trails.count &+ Int(trail &- trails.lowerBound)
    }

    /// Per two-byte sequence, its UTF-8 (up to 3 bytes, first in the low byte) with the byte
    /// count in the top byte; 0 where iconv refuses the sequence. nil if iconv is unavailable.
    static let twoByteTable: [UInt32]? = {
        guard let converter = iconv_open("UTF-8", "GB18030"), converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var table = [UInt32](repeating: 0, count: leads.count * trails.count)
        var input: [CChar] = [0, 0]
        var output = [CChar](repeating: 0, count: 8)
        for lead in leads {
            for trail in trails {
                guard let i = slot(lead, trail) else { continue }
                input[0] = CChar(bitPattern: lead)
                input[1] = CChar(bitPattern: trail)
                _ = iconv(converter, nil, nil, nil, nil)  // back to the initial state
                let produced: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
                    output.withUnsafeMutableBufferPointer { outBuffer in
                        var inPointer = inBuffer.baseAddress
                        var inLeft = 2
                        var outPointer = outBuffer.baseAddress
                        var outLeft = outBuffer.count
                        guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else { return nil }
                        return outBuffer.count - outLeft
                    }
                }
                guard let produced, (1...3).contains(produced) else { continue }
                var entry = UInt32(produced) << 24
                for k in 0..<produced { entry |= UInt32(UInt8(bitPattern: output[k])) << (8 * UInt32(k)) }
                table[i] = entry
            }
        }
        return table
    }()

    /// The UTF-8 of a value of ASCII and two-byte sequences the table knows; nil for anything
    /// else (the caller then asks iconv).
    static func decodeByTable(_ bytes: [UInt8], _ table: [UInt32]) -> [UInt8]? {
        // Two bytes never become more than three; one ASCII byte stays one.
        let capacity = bytes.count / 2 * 3 + 2
        var complete = true
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { out, written in
            written = 0
            var i = 0
            let n = bytes.count
            while i < n {
                let byte = bytes[i]
                if byte < 0x80 {
                    guard written < out.count else { complete = false; return }
                    out[written] = byte
                    written += 1
                    i += 1
                    continue
                }
                guard i + 1 < n, let s = slot(byte, bytes[i + 1]), s < table.count, case let entry = table[s], entry != 0 else {
                    complete = false
                    return
                }
                let length = Int(entry >> 24)
                guard length <= out.count - written else { complete = false; return }
                for k in 0..<length { out[written + k] = UInt8(truncatingIfNeeded: entry >> (8 * UInt32(k))) }
                written += length
                i += 2
            }
        }
        return complete ? output : nil
    }

    // MARK: iconv

    /// The whole value through iconv: the path for anything the table does not cover, and
    /// the reference the table is tested against.
    static func decodeWithIconv(_ bytes: [UInt8]) throws(DecodingFailure) -> [UInt8] {
        guard let converter = iconv_open("UTF-8", "GB18030"),
              converter != iconv_t(bitPattern: -1) else {
            throw .malformed("GB18030 decoding is unavailable")
        }
        defer { iconv_close(converter) }

        // One GB18030 byte never becomes more than two UTF-8 bytes (2 → ≤ 3, 4 → ≤ 4).
        let capacity = bytes.count * 2 + 4
        var failureOffset: Int?
        var truncated = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
            bytes.withUnsafeBufferPointer { input in
                var inPointer = UnsafeMutableRawPointer(mutating: input.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = input.count
                var outPointer = UnsafeMutableRawPointer(buffer.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = capacity
                if iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) == -1 {
                    truncated = errno == EINVAL
                    failureOffset = input.count - inLeft
                }
                initializedCount = capacity - outLeft
            }
        }
        if let failureOffset {
            throw .malformed(truncated
                ? "truncated GB18030 sequence at byte \(failureOffset)"
                : "invalid GB18030 at byte \(failureOffset)")
        }
        return output
    }
}
