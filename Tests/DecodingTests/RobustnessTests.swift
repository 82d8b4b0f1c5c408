import Decoding
import HubCore
import Testing
import Zstd

@Suite("Robustness")
struct RobustnessTests {
    static let contentTypes: [String?] = [nil, "application/x-ndjson", "text/csv", "text/csv; charset=gbk"]

    @Test("random bytes never crash or hang the decoder", arguments: contentTypes)
    func randomBytes(contentType: String?) {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]\",:\\\r\n tfn0123456789-.eEu\u{7F}ab".utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0x81, 0x30]
        for _ in 0..<2_000 {
            let length = Int.random(in: 1...200, using: &generator)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &generator)
                    ? alphabet.randomElement(using: &generator)!
                    : UInt8.random(in: 0...255, using: &generator)
            }
            _ = MessageFixtures.decode(bytes, contentType: contentType)
        }
    }

    @Test("random bytes declared as zstd are rejected, not crashed on")
    func randomZstd() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let frameStart: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
            let tail = (0..<Int.random(in: 0...100, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let decoded = MessageFixtures.decode(frameStart + tail, contentEncoding: "zstd")
            #expect(decoded.rejectionReason != nil || decoded.records != nil)
        }
    }

    @Test("deep nesting in every format is malformed, not a stack overflow")
    func deepNesting() {
        let deep = "{\"a\":" + String(repeating: "{\"a\":", count: 200_000)
        #expect(MessageFixtures.decode(deep).rejectionReason == .malformed)
        let records = MessageFixtures.decode(deep + "\n{}\n", contentType: "application/x-ndjson").records
        #expect(records?.map(\.malformedRow) == [1, nil])
    }

    @Test("a large ndjson value decodes every line")
    func manyLines() {
        let line = #"{"XXBSM":"3133001234","XM":"张三","NJDM":11,"CSRQ":"20150101"}"#
        let text = Array(String(repeating: line + "\n", count: 10_000).utf8)
        let compressed = Zstd.compress(text)
        let decoded = MessageFixtures.decode(compressed, contentType: "application/x-ndjson", contentEncoding: "zstd")
        #expect(decoded.rawRecords.count == 10_000)
        #expect(decoded.rawRecords.last?.row == 10_000)
    }
}
