import Decoding
import HubCore
import Testing
import Zstd

@Suite("Whole-value checks")
struct WholeValueChecksTests {
    let object = Array(#"{"XXBSM":"3133001234"}"#.utf8)

    @Test("a null value is malformed")
    func nullValue() {
        let decoded = MessageFixtures.decode(nil)
        #expect(decoded.rejectionReason == .malformed)
        #expect(decoded.rejectionDetail == "null value")
    }

    @Test("a zero-length value is malformed, with any content type", arguments: [nil, "application/x-ndjson", "text/csv"])
    func zeroLengthValue(contentType: String?) {
        let decoded = MessageFixtures.decode([], contentType: contentType)
        #expect(decoded.rejectionReason == .malformed)
        #expect(decoded.rejectionDetail == "zero-length value")
    }

    @Test("a value over 1 MiB as stored is too large; exactly 1 MiB is not")
    func storedSizeLimit() {
        var padded = object + [UInt8](repeating: 0x20, count: (1 << 20) - object.count)
        #expect(padded.count == 1 << 20)
        #expect(MessageFixtures.decode(padded).rawRecords.count == 1)
        padded.append(0x20)
        #expect(MessageFixtures.decode(padded).rejectionReason == .tooLarge)
    }

    @Test("too_large is checked before malformed")
    func tooLargeBeforeMalformed() {
        let garbage = [UInt8](repeating: 0xFF, count: (1 << 20) + 1)
        #expect(MessageFixtures.decode(garbage, contentType: "application/unknown").rejectionReason == .tooLarge)
        #expect(MessageFixtures.decode(garbage, contentEncoding: "gzip").rejectionReason == .tooLarge)
    }

    @Test("limits are configurable")
    func configurableLimits() throws {
        let limits = DecodingLimits(maxValueBytes: 10, maxDecompressedBytes: 20)
        #expect(MessageFixtures.decode(object, limits: limits).rejectionReason == .tooLarge)
        let compressed = try Zstd.compress(object)
        let roomy = DecodingLimits(maxValueBytes: 1000, maxDecompressedBytes: object.count)
        #expect(MessageFixtures.decode(compressed, contentEncoding: "zstd", limits: roomy).rawRecords.count == 1)
        let tight = DecodingLimits(maxValueBytes: 1000, maxDecompressedBytes: object.count - 1)
        #expect(MessageFixtures.decode(compressed, contentEncoding: "zstd", limits: tight).rejectionReason == .tooLarge)
    }

    @Test("zstd content decodes with or without the content size in the frame", arguments: [true, false])
    func zstdContent(includeContentSize: Bool) throws {
        let lines = Array("{\"a\":1}\r\n\n{\"a\":2}\n".utf8)
        let frame = try Zstd.compress(lines, level: 3, includeContentSize: includeContentSize)
        let decoded = MessageFixtures.decode(frame, contentType: "application/x-ndjson", contentEncoding: "zstd")
        #expect(decoded.rawRecords.map(\.row) == [1, 3])
    }

    @Test("content-encoding is trimmed and case-insensitive; empty and identity mean none")
    func contentEncodingNames() throws {
        let frame = try Zstd.compress(object)
        #expect(MessageFixtures.decode(frame, contentEncoding: " ZStd ").rawRecords.count == 1)
        #expect(MessageFixtures.decode(object, contentEncoding: "").rawRecords.count == 1)
        #expect(MessageFixtures.decode(object, contentEncoding: "identity").rawRecords.count == 1)
        #expect(MessageFixtures.decode(object, contentEncoding: "Identity").rawRecords.count == 1)
    }

    @Test("an unknown content-encoding is malformed", arguments: ["gzip", "zstd, identity", "x-zstd", "br"])
    func unknownContentEncoding(name: String) throws {
        let decoded = MessageFixtures.decode(try Zstd.compress(object), contentEncoding: name)
        #expect(decoded.rejectionReason == .malformed)
        #expect(decoded.rejectionDetail?.hasPrefix("unknown content encoding") == true)
    }

    @Test("a zstd bomb is too large whatever its content type, without a huge allocation", arguments: [true, false])
    func zstdBomb(includeContentSize: Bool) throws {
        let bomb = try Zstd.compress([UInt8](repeating: 0, count: 20 << 20), level: 3, includeContentSize: includeContentSize)
        #expect(bomb.count < 1 << 20)
        for contentType in [nil, "application/x-ndjson", "image/png", "text/csv; charset=latin1"] {
            let decoded = MessageFixtures.decode(bomb, contentType: contentType, contentEncoding: "zstd")
            #expect(decoded.rejectionReason == .tooLarge)
        }
    }

    @Test("a broken zstd frame is malformed")
    func brokenZstd() throws {
        let frame = try Zstd.compress(object, level: 3, includeContentSize: false)
        for broken in [Array(frame.dropLast(2)), frame + [0x42, 0x42], object, [0x28, 0xB5, 0x2F, 0xFD]] {
            let decoded = MessageFixtures.decode(broken, contentEncoding: "zstd")
            #expect(decoded.rejectionReason == .malformed)
            #expect(decoded.rejectionDetail?.hasPrefix("broken zstd frame") == true)
        }
    }

    @Test("header names are case-insensitive and the last repeated header wins")
    func headerLookup() throws {
        let csv = Array("a,b\n1,2\n".utf8)
        let headers: [(name: String, value: [UInt8]?)] = [
            (name: "Content-Type", value: Array("application/json".utf8)),
            (name: "CONTENT-TYPE", value: Array("text/csv".utf8)),
        ]
        let decoded = MessageDecoding.decode(value: csv, headers: headers, limits: DecodingLimits())
        #expect(decoded.rawRecords.first?["a"] == .string("1"))

        let encoded: [(name: String, value: [UInt8]?)] = [
            (name: "content-encoding", value: Array("gzip".utf8)),
            (name: "Content-Encoding", value: Array("zstd".utf8)),
        ]
        let fromZstd = MessageDecoding.decode(value: try Zstd.compress(object), headers: encoded, limits: DecodingLimits())
        #expect(fromZstd.rawRecords.count == 1)
    }

    @Test("a header with a null value reads as absent")
    func nullHeaderValue() {
        let headers: [(name: String, value: [UInt8]?)] = [
            (name: "content-type", value: Array("text/csv".utf8)),
            (name: "content-type", value: nil),
        ]
        let decoded = MessageDecoding.decode(value: object, headers: headers, limits: DecodingLimits())
        #expect(decoded.rawRecords.count == 1)
    }

    @Test("details never quote record content")
    func detailsWithoutContent() {
        let secret = "110101199003074411"
        let values = [
            "{\"SFZJH\":\"\(secret)\"",
            "[\"\(secret)\"]",
            "{\"SFZJH\":\"\(secret)\",\"SFZJH\":\"\(secret)\"}",
            "{\"SFZJH\":\"\(secret)\"} \(secret)",
        ]
        for value in values {
            let detail = MessageFixtures.decode(value).rejectionDetail
            #expect(detail != nil)
            #expect(detail?.contains(secret) == false)
        }
    }
}
