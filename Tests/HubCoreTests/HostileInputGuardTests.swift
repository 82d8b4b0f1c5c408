import HubCore
import Testing

/// The HubCore guards against hostile input: exact outcomes, written from the rules as the
/// README states them.
@Suite("Guards against hostile input")
struct HostileInputGuardTests {
    // MARK: school codes

    @Test("a school code is exactly ten ASCII digits")
    func schoolCodes() {
        #expect(SchoolCode.isValid("3133000001"))
        for bad in ["313300000", "31330000011", "313300000X", "３１３３０００００１", "", "3133000001 ", "3133\u{0}00001"] {
            #expect(!SchoolCode.isValid(bad), "\(bad.debugDescription)")
        }
    }

    @Test("a school field that is not a code is shown as the placeholder; absent stays absent")
    func schoolDimension() {
        #expect(SchoolCode.dimension("3133000001") == "3133000001")
        #expect(SchoolCode.dimension(nil) == nil)
        #expect(SchoolCode.dimension("") == nil)
        #expect(SchoolCode.dimension("11010519491231002X") == "(invalid)")
        #expect(SchoolCode.dimension("张三") == "(invalid)")
        #expect(SchoolCode.dimension("\"}, {\"x\":1") == "(invalid)")
    }

    // MARK: Kafka timestamps

    @Test("a Kafka timestamp is known from just after the epoch to the end of year 9999")
    func messageTimes() {
        #expect(MessageTime.known(-1) == nil)
        #expect(MessageTime.known(0) == nil)
        #expect(MessageTime.known(Int64.min) == nil)
        #expect(MessageTime.known(1) == 1)
        #expect(MessageTime.known(1_788_000_000_000) == 1_788_000_000_000)
        #expect(MessageTime.known(253_402_300_799_999) == 253_402_300_799_999)
        #expect(MessageTime.known(253_402_300_800_000) == nil)
        #expect(MessageTime.known(Int64.max) == nil)
    }

    @Test("an unknown Kafka time counts on 1970-01-01; a known one on its Beijing day")
    func messageDays() {
        #expect(MessageTime.beijingDay(-1) == 0)
        #expect(MessageTime.beijingDay(Int64.max) == 0)
        // 2026-09-01T16:00:00Z is 2026-09-02 00:00 in Beijing.
        let ms: Int64 = 1_788_278_400_000
        #expect(CalendarDate(daysSinceEpoch: Int(MessageTime.beijingDay(ms))).description == "2026-09-02")
        #expect(CalendarDate(daysSinceEpoch: Int(MessageTime.beijingDay(253_402_300_799_999))).description == "10000-01-01")
    }

    @Test("a day number of any time is clamped, not a trap")
    func dayNumberExtremes() {
        #expect(CalendarDate.dayNumber(epochSeconds: Int64.max) == Int32.max)
        #expect(CalendarDate.dayNumber(epochSeconds: Int64.min) == Int32.min)
        #expect(CalendarDate.dayNumber(epochSeconds: Int64.max / 1000) == Int32.max)
        #expect(CalendarDate.dayNumber(epochSeconds: -1) == 0)
        #expect(!CalendarDate.isSupported(micros: Int64.max))
        #expect(!CalendarDate.isSupported(micros: Int64.min))
    }

    @Test("supported days run from 0001-01-01 to 9999-12-31")
    func supportedDays() {
        #expect(CalendarDate(year: 1, month: 1, day: 1)?.daysSinceEpoch == Int(CalendarDate.supportedDays.lowerBound))
        #expect(CalendarDate(year: 9999, month: 12, day: 31)?.daysSinceEpoch == Int(CalendarDate.supportedDays.upperBound))
        // 0001-01-01T00:00:00+08:00 is the first supported instant; a microsecond earlier is not.
        let first = Int64(CalendarDate.supportedDays.lowerBound) * 86_400_000_000 - 8 * 3_600_000_000
        #expect(CalendarDate.isSupported(micros: first))
        #expect(!CalendarDate.isSupported(micros: first - 1_000_000))
    }

    // MARK: stored text

    @Test("stored text holds no NUL and at most 256 bytes")
    func storedText() {
        #expect(StoredText.problem("1班") == nil)
        #expect(StoredText.problem(String(repeating: "x", count: 256)) == nil)
        #expect(StoredText.problem(String(repeating: "x", count: 257)) == "is longer than 256 bytes")
        #expect(StoredText.problem("1\u{0}班")?.contains("NUL") == true)
        #expect(StoredText.problem("\u{1}\t\n") == nil)
    }

    // MARK: ingested forms larger than an internal message

    private func record(_ row: Int32, bytes: Int) -> RawRecord {
        RawRecord(row: row, fields: [RawField(name: "XM", value: .string(String(repeating: "a", count: bytes)))],
                  text: Array(repeating: UInt8(ascii: "b"), count: bytes))
    }

    @Test("a small ingested form is one message, exactly as before")
    func smallForm() throws {
        let m = IngestedMessage(source: SourcePosition(topic: "raw.student", partition: 1, offset: 9, row: 0), timestampMs: 5,
                                records: (1...10).map { record($0, bytes: 100) })
        let (parts, _, oversized) = m.encodedParts(target: 4 << 20, limit: 20 << 20)
        #expect(parts == [m.encoded()])
        #expect(oversized.isEmpty)
    }

    @Test("a large form is split over messages within the target; every record keeps its row, in order")
    func splitForm() throws {
        let source = SourcePosition(topic: "raw.student", partition: 2, offset: 77, row: 0)
        let records = (1...40).map { record($0, bytes: 50_000) }
        let m = IngestedMessage(source: source, timestampMs: 1_700_000_000_000, records: records)
        let (parts, counts, oversized) = m.encodedParts(target: 300_000, limit: 1_000_000)
        #expect(oversized.isEmpty)
        #expect(counts == Array(repeating: 2, count: 20))
        // Each record encodes to a little over 100,000 bytes: two fit under 300,000.
        #expect(parts.count == 20)
        var rows: [Int32] = []
        for p in parts {
            #expect(p.count <= 300_000)
            let decoded = try IngestedMessage(decoding: p)
            #expect(decoded.source == source)
            #expect(decoded.timestampMs == 1_700_000_000_000)
            rows += decoded.records.map(\.row)
        }
        #expect(rows == Array(1...40))
    }

    @Test("a record larger than the target travels alone; one over the limit is returned as oversized")
    func oversizedRecords() throws {
        let m = IngestedMessage(source: SourcePosition(topic: "raw.student", partition: 0, offset: 1, row: 0), timestampMs: 1,
                                records: [record(1, bytes: 10), record(2, bytes: 200_000), record(3, bytes: 600_000), record(4, bytes: 10)])
        let (parts, counts, oversized) = m.encodedParts(target: 100_000, limit: 1_000_000)
        #expect(counts == [1, 1, 1])
        #expect(oversized.map(\.record.row) == [3])
        #expect(oversized.first.map { $0.bytes > 1_000_000 } == true)
        let rows = try parts.map { try IngestedMessage(decoding: $0).records.map(\.row) }
        #expect(rows == [[1], [2], [4]])
        #expect(parts.allSatisfy { $0.count <= 1_000_000 })
    }

    // MARK: quarantine units larger than an internal message

    private func unit(raw: Int, record: RawRecord?) -> QuarantineUnit {
        QuarantineUnit(position: SourcePosition(topic: "raw.student", partition: 0, offset: 3, row: 2), timestampMs: 1,
                       recordType: .student, reason: .invalidCode, field: "NJDM", detail: "grade value not in code table",
                       schoolCode: "3133000001", raw: Array(repeating: 0x61, count: raw), record: record)
    }

    @Test("a quarantine unit that fits is unchanged")
    func fittingUnit() {
        let u = unit(raw: 1000, record: record(2, bytes: 1000))
        #expect(u.fitted(to: 100_000) == u)
    }

    @Test("a unit too large first loses its parsed record, then has its raw bytes cut; position and reason stay")
    func fittedUnit() throws {
        let withRecord = unit(raw: 400_000, record: record(2, bytes: 400_000))
        let a = withRecord.fitted(to: 500_000)
        #expect(a.record == nil)
        #expect(a.raw.count == 400_000)
        #expect(a.detail.hasPrefix("grade value not in code table; parsed record not kept"))
        #expect(a.encoded().count <= 500_000)

        let b = unit(raw: 16 << 20, record: nil).fitted(to: 1 << 20)
        #expect(b.encoded().count <= 1 << 20)
        #expect(b.raw.count > (1 << 20) - 2048)
        #expect(b.raw == Array(repeating: 0x61, count: b.raw.count))
        #expect(b.detail.contains("raw bytes cut to the first \(b.raw.count) of \(16 << 20)"))
        let decoded = try QuarantineUnit(decoding: b.encoded())
        #expect(decoded.position == b.position && decoded.reason == .invalidCode && decoded.field == "NJDM")
    }
}
