import Decoding
import FuzzSupport
import HubCore
import Zstd

/// The whole `MessageDecoding.decode(value:headers:limits:)` with arbitrary headers (repeated,
/// null, any case, any bytes), a null or empty value, small limits and zstd content.
///
/// Oracles: the structure every decoded message has (``DecodingOracle``); a null value is
/// always `malformed`; a value over the stored limit is always `too_large`; the verdict does
/// not depend on the header names' case.
func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let flags = input.byte()
    let headers = FuzzHeaders.read(&input)
    let limits = DecodingLimits(maxValueBytes: input.choice([1 << 20, 1 << 20, 16, 4_096]),
                                maxDecompressedBytes: input.choice([16 << 20, 1 << 20, 0, 100, 10_000]))
    var value: [UInt8]? = flags & 1 == 1 ? nil : input.rest()
    // Sometimes compress the rest, so that the fuzzer reaches past the zstd layer with
    // content it controls.
    if flags & 2 == 2, let plain = value { value = Zstd.compress(plain, level: 1, includeContentSize: flags & 4 == 4) }

    let decoded = MessageDecoding.decode(value: value, headers: headers, limits: limits)
    DecodingOracle.checkStructure(decoded, framing: .unknown)
    guard let value else {
        fuzzCheck(decoded == .rejected(reason: .malformed, detail: "null value"), "a null value is not malformed")
        return 0
    }
    if value.count > limits.maxValueBytes {
        guard case .rejected(.tooLarge, _) = decoded else { fuzzFailure("a value over the stored limit is not too_large") }
    }
    // ASCII only: Unicode case mapping would turn e.g. a dotless ı into I.
    let upperCased = headers.map { header in
        (name: String(decoding: header.name.utf8.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }, as: UTF8.self),
         value: header.value)
    }
    fuzzCheck(MessageDecoding.decode(value: value, headers: upperCased, limits: limits) == decoded,
              "the verdict depends on the header names' case")
    return 0
}
