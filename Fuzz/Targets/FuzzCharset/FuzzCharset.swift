@testable import Decoding
import FuzzSupport
import Glibc
import HubCore

/// Charsets: `utf-8`, `gbk`, `gb18030`, with or without a byte-order mark.
///
/// Oracles: UTF-8 is accepted exactly when the standard library's validator accepts it, and
/// then comes out unchanged (less a leading BOM); GB18030 output is always valid UTF-8 and,
/// encoded back to GB18030, gives the input again (less a leading BOM); and a whole message
/// in that charset is never rejected as a whole when its charset decoding succeeded.
func fuzzCharset(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let label = input.choice(["utf-8", "gbk", "gb18030", "UTF-8", "GBK", "Gb18030"])
    let bom: [UInt8] = input.choice([[], [], [0xEF, 0xBB, 0xBF], [0x84, 0x31, 0x95, 0x33]])
    let value = bom + input.rest()
    guard let charset = TextCharset(parameter: label) else { fuzzFailure("charset \(label) unknown") }

    let decoded: [UInt8]?
    do {
        decoded = try charset.decodeToUTF8(value)
    } catch {
        DecodingOracle.checkDetail(error.detail)
        decoded = nil
    }
    switch charset {
    case .utf8:
        fuzzCheck((decoded != nil) == DecodingOracle.isValidUTF8(value), "UTF-8 validity differs from the standard library")
        if let decoded { fuzzCheck(decoded == DecodingOracle.droppingBOM(value), "UTF-8 text changed") }
    case .gb18030:
        guard let decoded else { break }
        fuzzCheck(DecodingOracle.isValidUTF8(decoded), "GB18030 decoded to invalid UTF-8")
        if let back = GB18030Encoder.encode(decoded) {
            let expected = value.starts(with: [0x84, 0x31, 0x95, 0x33]) ? Array(value.dropFirst(4)) : value
            // GB18030's own BOM (84 31 95 33) decodes to U+FEFF, which is dropped; everything
            // else must come back byte for byte.
            fuzzCheck(back == expected, "GB18030 does not round-trip")
        }
    }

    // The whole message: the charset step gives the same verdict inside the pipeline.
    let header = [(name: "content-type", value: Optional(Array("application/x-ndjson; charset=\(label)".utf8)))]
    let message = MessageDecoding.decode(value: value, headers: header)
    DecodingOracle.checkStructure(message, framing: value.isEmpty ? .unknown : .lines)
    if !value.isEmpty {
        switch message {
        case .rejected: fuzzCheck(decoded == nil, "charset decoding succeeded but the message was rejected")
        case .records: fuzzCheck(decoded != nil, "charset decoding failed but the message was accepted")
        }
    }
    return 0
}

/// UTF-8 to GB18030 through glibc's iconv, for the round-trip oracle.
enum GB18030Encoder {
    static func encode(_ utf8: [UInt8]) -> [UInt8]? {
        guard let converter = iconv_open("GB18030", "UTF-8"), converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        let capacity = utf8.count * 4 + 4
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            utf8.withUnsafeBufferPointer { source in
                var inPointer = UnsafeMutableRawPointer(mutating: source.baseAddress)?.assumingMemoryBound(to: CChar.self)
                var inLeft = source.count
                var outPointer = UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
                var outLeft = capacity
                failed = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) == -1
                initialized = capacity - outLeft
            }
        }
        return failed ? nil : output
    }
}
