import Decoding
import Foundation
import HubCore
import Testing
import Zstd

@Suite("Robustness")
struct RobustnessTests {
    static let contentTypes: [String?] = [nil, "application/x-ndjson", "text/csv", "text/csv; charset=gbk"]

    static let seed: UInt64 = {
        let seed = ProcessInfo.processInfo.environment["HUB_TEST_SEED"].flatMap { UInt64($0) } ?? 20_261_130
        print("[robustness] seed \(seed) (repeat with HUB_TEST_SEED=\(seed))")
        return seed
    }()

    /// A value of `contentType` that decodes into records, to mutate.
    static func valid(_ contentType: String?) -> [UInt8] {
        let object = #"{"XXBSM":"3133001234","XM":"张三","NJDM":11,"CSRQ":"20150101","x":[1,{"y":null}]}"#
        switch contentType {
        case nil: return Array(object.utf8)
        case "application/x-ndjson": return Array((object + "\n" + object + "\n\n" + object).utf8)
        case "text/csv": return Array("XXBSM,XM,NJDM\r\n3133001234,\"张,三\",11\r\n3133001235,李四,12\r\n".utf8)
        // The same in GB18030: 张 D5C5, 三 C8FD, 李 C0EE, 四 CBC4.
        default:
            return Array("XXBSM,XM,NJDM\r\n3133001234,\"".utf8) + [0xD5, 0xC5, 0x2C, 0xC8, 0xFD] + Array("\",11\r\n3133001235,".utf8)
                + [0xC0, 0xEE, 0xCB, 0xC4] + Array(",12\r\n".utf8)
        }
    }

    /// What every decoded value must satisfy, whatever its bytes: a whole-value rejection is
    /// `malformed` (these values are far below the size limits); records come in strictly
    /// increasing rows, row 0 only for the single record of a JSON value, 1 and up otherwise;
    /// and the same bytes always decode the same way.
    static func check(_ bytes: [UInt8], _ contentType: String?) -> (decoded: Bool, problem: String?) {
        let decoded = MessageFixtures.decode(bytes, contentType: contentType)
        guard decoded == MessageFixtures.decode(bytes, contentType: contentType) else { return (false, "not deterministic") }
        if let reason = decoded.rejectionReason {
            return (false, reason == .malformed ? nil : "rejected as \(reason)")
        }
        let rows = (decoded.records ?? []).map(\.row)
        if contentType == nil {
            return (true, rows == [0] ? nil : "a JSON value decoded into rows \(rows)")
        }
        let lines = bytes.filter { $0 == 0x0A || $0 == 0x0D }.count + 1
        guard rows.allSatisfy({ $0 >= 1 && Int($0) <= lines }), zip(rows, rows.dropFirst()).allSatisfy({ $0 < $1 }) else {
            return (true, "rows \(rows) for \(lines) lines")
        }
        return (true, nil)
    }

    @Test("random and mutated bytes never crash the decoder, and decode consistently", arguments: contentTypes)
    func randomBytes(contentType: String?) {
        var random = SplitMix64(seed: Self.seed ^ UInt64(Self.contentTypes.firstIndex { $0 == contentType } ?? 0))
        let alphabet = Array("{}[]\",:\\\r\n tfn0123456789-.eEu\u{7F}ab".utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0x81, 0x30]
        let valid = Self.valid(contentType)
        var outcomes = (decoded: 0, rejected: 0)
        for i in 0..<2_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = (0..<(1 + random.int(200))).map { _ in
                    random.int(2) == 0 ? alphabet[random.int(alphabet.count)] : UInt8(truncatingIfNeeded: random.next())
                }
            } else {
                // A valid value with one to three bytes changed, inserted or removed.
                bytes = valid
                for _ in 0...random.int(3) where !bytes.isEmpty {
                    let at = random.int(bytes.count)
                    switch random.int(3) {
                    case 0: bytes[at] = alphabet[random.int(alphabet.count)]
                    case 1: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                    default: bytes.remove(at: at)
                    }
                }
            }
            let (decoded, problem) = Self.check(bytes, contentType)
            #expect(problem == nil, "\(problem ?? ""): \(bytes) (seed \(Self.seed))")
            if decoded { outcomes.decoded += 1 } else { outcomes.rejected += 1 }
        }
        // Both outcomes were exercised: the inputs are neither all valid nor all garbage.
        #expect(outcomes.decoded > 50 && outcomes.rejected > 50, "\(outcomes)")
    }

    /// The content size and window a zstd frame header declares (RFC 8878 §3.1.1.1), when
    /// the header is complete.
    static func declared(_ frame: [UInt8]) -> (content: UInt64?, window: UInt64?)? {
        guard frame.count > 4 else { return nil }
        let fhd = frame[4]
        let singleSegment = fhd & 0x20 != 0
        var i = 5
        var window: UInt64?
        if !singleSegment {
            guard frame.count > i else { return nil }
            let exponent = UInt64(frame[i] >> 3), mantissa = UInt64(frame[i] & 7)
            let base: UInt64 = 1 << (10 + exponent)
            window = base + base / 8 * mantissa
            i += 1
        }
        i += [0, 1, 2, 4][Int(fhd & 3)]
        let fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][Int(fhd >> 6)]
        guard frame.count >= i + fcsBytes else { return nil }
        var content: UInt64?
        if fcsBytes > 0 {
            var v: UInt64 = 0
            for k in (0..<fcsBytes).reversed() { v = v << 8 | UInt64(frame[i + k]) }
            content = fcsBytes == 2 ? v + 256 : v
        }
        return (content, singleSegment ? content : window)
    }

    @Test("random bytes declared as zstd are rejected, and too_large only for a frame that says it is")
    func randomZstd() {
        var random = SplitMix64(seed: Self.seed)
        var reasons: [QuarantineReason: Int] = [:]
        for _ in 0..<500 {
            let frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD] + (0..<random.int(101)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let decoded = MessageFixtures.decode(frame, contentEncoding: "zstd")
            guard let reason = decoded.rejectionReason else {
                Issue.record("random bytes decoded into records: \(frame) (seed \(Self.seed))")
                continue
            }
            reasons[reason, default: 0] += 1
            // A JSON object cannot come out of 100 random bytes, nor can 16 MiB (RLE blocks
            // hold 128 KiB in 4 bytes): too_large is right only when the header declares more
            // than the 16 MiB limit (content size or window), otherwise the frame is malformed.
            if reason == .tooLarge {
                let limit: UInt64 = 16 << 20
                let sizes = Self.declared(frame)
                #expect((sizes?.content ?? 0) > limit || (sizes?.window ?? 0) > limit,
                        "too_large for a frame declaring \(String(describing: sizes)): \(frame) (seed \(Self.seed))")
            } else {
                #expect(reason == .malformed)
            }
        }
        #expect((reasons[.malformed] ?? 0) > 100, "\(reasons)")
    }

    @Test("deep nesting in every format is malformed, not a stack overflow")
    func deepNesting() {
        let deep = "{\"a\":" + String(repeating: "{\"a\":", count: 200_000)
        #expect(MessageFixtures.decode(deep).rejectionReason == .malformed)
        let records = MessageFixtures.decode(deep + "\n{}\n", contentType: "application/x-ndjson").records
        #expect(records?.map(\.malformedRow) == [1, nil])
    }

    @Test("a large ndjson value decodes every line")
    func manyLines() throws {
        let line = #"{"XXBSM":"3133001234","XM":"张三","NJDM":11,"CSRQ":"20150101"}"#
        let text = Array(String(repeating: line + "\n", count: 10_000).utf8)
        let compressed = try Zstd.compress(text)
        let decoded = MessageFixtures.decode(compressed, contentType: "application/x-ndjson", contentEncoding: "zstd")
        #expect(decoded.rawRecords.count == 10_000)
        #expect(decoded.rawRecords.last?.row == 10_000)
    }
}
