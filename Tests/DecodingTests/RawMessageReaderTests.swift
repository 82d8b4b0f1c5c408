import Decoding
import HubCore
import Testing

/// ``RawMessageReader``: what Ingest and a Transform reading the raw topics both do with one
/// raw message — the records that go on, and the quarantined units with their positions.
@Suite("Reading a raw message")
struct RawMessageReaderTests {
    let source = SourcePosition(topic: "raw.student", partition: 2, offset: 41, row: 0)
    let ndjson: [(name: String, value: [UInt8]?)] = [("content-type", Array("application/x-ndjson".utf8))]

    func read(_ text: String, internalLimit: Int = 1 << 20, limits: DecodingLimits = DecodingLimits()) -> RawMessageReader.Contents {
        RawMessageReader(limits: limits, internalLimit: internalLimit)
            .read(value: Array(text.utf8), headers: ndjson, source: source, timestampMs: 1_700_000_000_000, recordType: .student)
    }

    @Test func recordsGoOnAndABadLineIsQuarantinedAtItsRow() {
        let contents = read("{\"a\":1}\n{not json\n{\"a\":3}")
        #expect(contents.message.source == source)
        #expect(contents.message.timestampMs == 1_700_000_000_000)
        #expect(contents.message.registryAsOfMs == nil)
        #expect(contents.message.records.map(\.row) == [1, 3])
        #expect(contents.quarantined.map(\.reason) == [.malformed])
        #expect(contents.quarantined.map(\.position.row) == [2])
        #expect(contents.quarantined.first?.raw == Array("{not json".utf8))
        #expect(contents.quarantined.first?.recordType == .student)
        #expect(contents.oversized == 0)
    }

    @Test func aWholeValueFailureIsOneUnitWithTheWholeValue() {
        let text = String(repeating: "{\"a\":1}\n", count: 20)
        let contents = read(text, limits: DecodingLimits(maxValueBytes: 100))
        #expect(contents.message.records.isEmpty)
        #expect(contents.quarantined.count == 1)
        #expect(contents.quarantined.first?.reason == .tooLarge)
        #expect(contents.quarantined.first?.position == source)
        #expect(contents.quarantined.first?.raw.count == text.utf8.count)
        #expect(contents.oversized == 0)
    }

    /// A record whose own ingested message would exceed the internal limit is quarantined
    /// `too_large` at its row, listed last; its neighbours go on, in order.
    @Test func aRecordOverTheInternalLimitIsQuarantinedAndItsNeighboursGoOn() {
        let big = "{\"a\":\"" + String(repeating: "x", count: 3000) + "\"}"
        let contents = read("{\"a\":1}\n\(big)\n{oops\n\(big)\n{\"a\":5}", internalLimit: 2000)
        #expect(contents.message.records.map(\.row) == [1, 5])
        #expect(contents.quarantined.map(\.reason) == [.malformed, .tooLarge, .tooLarge])
        #expect(contents.quarantined.map(\.position.row) == [3, 2, 4])
        #expect(contents.oversized == 2)
        #expect(contents.oversizedUnits.map(\.position.row) == [2, 4])
        #expect(contents.quarantined.dropFirst().allSatisfy { $0.detail.contains("over the internal message limit of 2000 bytes") })
        // Every unit fits an internal message.
        #expect(contents.quarantined.allSatisfy { $0.encoded().count <= 2000 })
        // The same rule as the ingested message's own split.
        let whole = IngestedMessage(source: source, timestampMs: 0, records: contents.message.records)
        #expect(whole.oversizedRecords(limit: 2000).isEmpty)
    }
}
