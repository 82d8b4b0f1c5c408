import CSVOutput
import Foundation
import HubCore
import Zstd
#if canImport(Glibc)
import Glibc
#endif

/// Packs generated records into raw Kafka messages the way schools send them: single JSON
/// objects, ndjson and CSV batches, UTF-8 or GBK/GB18030, some zstd-compressed, plus a few
/// whole-value failures — and counts the quarantine units this must produce.
struct SamplePacker {
    var rng: SplitMix64

    mutating func pack(_ records: [(SampleGenerator.School, SampleRecord)], topic: String) -> [SampleGenerator.Message] {
        var bySchool: [String: [SampleRecord]] = [:]
        var order: [String] = []
        for (school, r) in records {
            if bySchool[school.code] == nil { order.append(school.code) }
            bySchool[school.code, default: []].append(r)
        }
        var out: [SampleGenerator.Message] = []
        for code in order {
            var list = bySchool[code]!
            while !list.isEmpty {
                let n = min(list.count, 1 + rng.int(25))
                let chunk = Array(list.prefix(n))
                list.removeFirst(n)
                out.append(message(chunk, topic: topic, key: code))
            }
        }
        return out
    }

    private mutating func message(_ chunk: [SampleRecord], topic: String, key: String) -> SampleGenerator.Message {
        var quarantine: [String: Int] = [:]
        for r in chunk { if let reason = r.expectedReason { quarantine[reason, default: 0] += 1 } }
        let names = chunk[0].fields.map(\.0)
        let sameShape = chunk.allSatisfy { $0.fields.map(\.0) == names }
        var text: String
        var contentType: String
        let roll = rng.int(10)
        if chunk.count == 1 && roll < 5 {
            text = chunk[0].json
            contentType = "application/json"
        } else if sameShape && roll < 4 {
            var csv = CSVWriter()
            csv.writeRecord(names)
            for r in chunk { csv.writeRecord(r.fields.map(\.1.text)) }
            text = csv.text
            contentType = "text/csv"
        } else {
            text = chunk.map(\.json).joined(separator: "\n") + "\n"
            if rng.int(8) == 0 {
                text += "{\"broken\": \n\n"
                quarantine["malformed", default: 0] += 1
            }
            contentType = "application/x-ndjson"
        }
        var bytes = Array(text.utf8)
        if text.utf8.contains(where: { $0 >= 0x80 }) && rng.int(3) == 0, let gb = Self.gb18030(text) {
            bytes = gb
            contentType += rng.int(2) == 0 ? "; charset=gbk" : ";charset=GB18030"
        }
        var headers = [("content-type", contentType)]
        // A sample is small: compression fails only without memory, and then the value goes
        // uncompressed.
        if rng.int(6) == 0, let compressed = try? Zstd.compress(bytes, level: 3, includeContentSize: rng.int(2) == 0) {
            bytes = compressed
            headers.append(("Content-Encoding", "zstd"))
        }
        // Sent a few minutes to an hour and a half after its latest record was updated.
        let latest = chunk.compactMap(\.minute).max() ?? 0
        let sentMs = SampleGenerator.startMs + Int64(latest) * 60_000 + Int64(2 + rng.int(90)) * 60_000 + Int64(rng.int(60_000))
        return SampleGenerator.Message(topic: topic, key: key, value: bytes, headers: headers, timestampMs: sentMs,
                                       quarantine: quarantine, records: chunk.count)
    }

    /// Whole-value failures: a null value, an unknown content type, an unknown charset, a
    /// broken zstd frame and a value over 1 MiB.
    func wholeValueFailures(topic: String, key: String) -> [SampleGenerator.Message] {
        let malformed = ["malformed": 1]
        let sentMs = SampleGenerator.startMs + 3 * 3_600_000  // 11:00 on the first day
        let messages = [
            SampleGenerator.Message(topic: topic, key: key, value: [], headers: [], quarantine: malformed),
            SampleGenerator.Message(topic: topic, key: key, value: Array("{}".utf8), headers: [("content-type", "application/xml")],
                                    quarantine: malformed),
            SampleGenerator.Message(topic: topic, key: key, value: Array("{}".utf8),
                                    headers: [("content-type", "application/json; charset=latin1")], quarantine: malformed),
            SampleGenerator.Message(topic: topic, key: key, value: [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x01],
                                    headers: [("content-encoding", "zstd")], quarantine: malformed),
            SampleGenerator.Message(topic: topic, key: key, value: [UInt8](repeating: 0x20, count: (1 << 20) + 10),
                                    headers: [("content-type", "application/x-ndjson")], quarantine: ["too_large": 1]),
        ]
        return messages.map { var m = $0; m.timestampMs = sentMs; return m }
    }

    /// Re-sends about `percent` % of the messages, unchanged, later in the stream: a producer
    /// retrying. Good records in them change nothing; bad ones count again (new offsets).
    mutating func withResends(_ messages: [SampleGenerator.Message], percent: Int) -> [SampleGenerator.Message] {
        var out = messages
        for m in messages where rng.int(100) < percent {
            let at = min(out.count, out.count / 2 + rng.int(max(1, out.count / 2)))
            out.insert(m, at: at)
        }
        return out
    }

    /// UTF-8 text in GB18030 bytes (GBK is its subset) through glibc's iconv.
    static func gb18030(_ text: String) -> [UInt8]? {
        guard let cd = iconv_open("GB18030", "UTF-8"), cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input = Array(text.utf8)
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        let written: Int? = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                guard iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) != -1 else { return nil }
                return outBuf.count - outLeft
            }
        }
        guard let written else { return nil }
        return Array(output.prefix(written))
    }
}
