import CZstd
import Decoding
import FuzzSupport
import HubCore
import Zstd

/// `content-encoding: zstd`: the bounded decompressor over libzstd, alone and in the pipeline.
///
/// Oracles: output never exceeds the limit; a success under a limit is the same success
/// under a larger one (the limit only ever refuses); the output equals libzstd's one-shot
/// decompression of the same bytes; in the pipeline, `too_large` appears exactly when the
/// decompressor refuses for size.
func fuzzZstd(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let limit = input.choice([0, 1, 64, 1_000, 65_536, 1 << 20])
    let frame = input.rest()

    let result = Result { () throws(ZstdError) in try Zstd.decompress(frame, maxOutput: limit) }
    switch result {
    case .success(let output):
        fuzzCheck(output.count <= limit, "\(output.count) bytes out under a limit of \(limit)")
        if limit < 1 << 20 {
            let larger = Result { () throws(ZstdError) in try Zstd.decompress(frame, maxOutput: 1 << 20) }
            fuzzCheck(larger == .success(output), "a larger limit changed a successful result")
        }
        if let oneShot = OneShot.decompress(frame, capacity: limit) {
            fuzzCheck(oneShot == output, "output differs from libzstd's one-shot decompression")
        }
    case .failure(.outputTooLarge):
        break
    case .failure(.malformed(let why)):
        fuzzCheck(!why.isEmpty, "empty malformed reason")
    }

    let headers = [(name: "content-encoding", value: Optional(Array("zstd".utf8))),
                   (name: "content-type", value: Optional(Array("application/x-ndjson".utf8)))]
    let message = MessageDecoding.decode(value: frame, headers: headers,
                                         limits: DecodingLimits(maxValueBytes: 1 << 20, maxDecompressedBytes: limit))
    DecodingOracle.checkStructure(message, framing: frame.isEmpty ? .unknown : .lines)
    if case .rejected(.tooLarge, _) = message {
        fuzzCheck(result == .failure(.outputTooLarge), "too_large without the decompressor refusing for size")
    }
    if case .failure(.outputTooLarge) = result {
        fuzzCheck(message.rejection == .tooLarge, "the decompressor refused for size but the message is not too_large")
    }
    return 0
}

extension DecodedMessage {
    var rejection: QuarantineReason? {
        if case .rejected(let reason, _) = self { return reason }
        return nil
    }
}

/// libzstd's one-shot API with a fixed output buffer: an independent path through the library
/// (no streaming, no window limit). Nil when it fails.
enum OneShot {
    static func decompress(_ frame: [UInt8], capacity: Int) -> [UInt8]? {
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            frame.withUnsafeBytes { source in
                let written = ZSTD_decompress(buffer.baseAddress, capacity, source.baseAddress, source.count)
                failed = ZSTD_isError(written) != 0
                initialized = failed ? 0 : written
            }
        }
        return failed ? nil : output
    }
}
