import HubCore
import Testing

/// Every strict prefix of an encoded message must be rejected with a `WireFormatError`.
private func expectEveryPrefixThrows<T>(_ bytes: [UInt8], _ decode: ([UInt8]) throws -> T,
                                        sourceLocation: SourceLocation = #_sourceLocation) {
    for n in 0..<bytes.count {
        #expect(throws: WireFormatError.self, "prefix of \(n) bytes", sourceLocation: sourceLocation) {
            _ = try decode(Array(bytes.prefix(n)))
        }
    }
}

private let allValues: [RawField] = [
    RawField(name: "null", value: .null),
    RawField(name: "XM", value: .string("张三")),
    RawField(name: "empty", value: .string("")),
    RawField(name: "NJDM", value: .integer("-12")),
    RawField(name: "n", value: .number("1.5e3")),
    RawField(name: "t", value: .bool(true)),
    RawField(name: "f", value: .bool(false)),
    RawField(name: "c", value: .composite("{\"a\":[1,2]}")),
]

private let position = SourcePosition(topic: "raw.student", partition: 5, offset: 1_234_567_890_123, row: 42)

@Suite("Internal wire formats")
struct WireFormatTests {
    @Test("IngestedMessage round-trips, with and without a replay instant")
    func ingested() throws {
        let records = [
            RawRecord(row: 1, fields: allValues, text: Array("{\"XM\":\"张三\"}".utf8)),
            RawRecord(row: Int32.max, fields: [], text: []),
            RawRecord(row: 0, fields: [RawField(name: "", value: .string("x"))], text: [0, 0xFF, 0x80]),
        ]
        for asOf: Int64? in [nil, 0, -1, Int64.max, Int64.min] {
            let m = IngestedMessage(source: SourcePosition(topic: "raw.teacher", partition: Int32.max, offset: Int64.max, row: 0),
                                    timestampMs: -5, registryAsOfMs: asOf, records: records)
            #expect(try IngestedMessage(decoding: m.encoded()) == m)
        }
        let empty = IngestedMessage(source: SourcePosition(topic: "", partition: 0, offset: 0, row: 0), timestampMs: 0, records: [])
        #expect(try IngestedMessage(decoding: empty.encoded()) == empty)
    }

    @Test("records that repeat, reorder, extend or shorten the names of the record before decode exactly")
    func repeatedNames() throws {
        func record(_ row: Int32, _ names: [String]) -> RawRecord {
            RawRecord(row: row, fields: names.enumerated().map { RawField(name: $1, value: .integer("\($0)")) }, text: [])
        }
        let records = [
            record(1, ["XXBSM", "XM", "NJDM"]), record(2, ["XXBSM", "XM", "NJDM"]), record(3, ["XXBSM", "NJDM", "XM"]),
            record(4, ["XXBSM", "NJDM", "XM", "BJ"]), record(5, ["XXBSM"]), record(6, ["XXBS", "XM"]), record(7, ["XXBSMM"]),
            record(8, []), record(9, ["学校代码", "XM"]), record(10, ["学校代码", "XM"]),
        ]
        let m = IngestedMessage(source: SourcePosition(topic: "raw.student", partition: 5, offset: 7, row: 0), timestampMs: 1, records: records)
        let decoded = try IngestedMessage(decoding: m.encoded())
        #expect(decoded.records.map { $0.fields.map(\.name) } == records.map { $0.fields.map(\.name) })
        #expect(decoded == m)
    }

    @Test("an ingested bundle holds its messages in order; a version-1 value is one message")
    func bundle() throws {
        var messages: [IngestedMessage] = []
        for i in 0..<5 {
            var records: [RawRecord] = []
            for row in 0..<i { records.append(RawRecord(row: Int32(row), fields: allValues, text: Array("row \(row)".utf8))) }
            let source = SourcePosition(topic: "raw.student", partition: 3, offset: Int64(100 + i), row: 0)
            let asOf: Int64? = i == 2 ? 7 : nil
            messages.append(IngestedMessage(source: source, timestampMs: 1_700_000_000_000 + Int64(i), registryAsOfMs: asOf, records: records))
        }
        let bundle = IngestedBundle.encode(messages.map { $0.encoded() })
        #expect(try IngestedBundle.messages(decoding: bundle) == messages)
        var bound = IngestedBundle.framingBytes
        for m in messages { bound += IngestedBundle.size(of: m.encoded()) }
        #expect(bundle.count <= bound)
        #expect(try IngestedBundle.messages(decoding: messages[3].encoded()) == [messages[3]])
        #expect(try IngestedBundle.messages(decoding: IngestedBundle.encode([])) == [])
        expectEveryPrefixThrows(bundle) { try IngestedBundle.messages(decoding: $0) }
    }

    @Test("an ingested bundle inside a bundle, or bytes after its last message, are refused")
    func bundleRefusals() throws {
        let one = IngestedMessage(source: position, timestampMs: 1, records: [RawRecord(row: 1, fields: [], text: [1])]).encoded()
        let inner = IngestedBundle.encode([one, one])
        #expect(throws: WireFormatError.self) { try IngestedBundle.messages(decoding: IngestedBundle.encode([inner])) }
        #expect(throws: WireFormatError.self) { try IngestedBundle.messages(decoding: inner + [0]) }
        // A count larger than the bytes could hold, and a message length past the end.
        #expect(throws: WireFormatError.self) { try IngestedBundle.messages(decoding: [2, 0xFF, 0xFF, 0x03]) }
        #expect(throws: WireFormatError.self) { try IngestedBundle.messages(decoding: [2, 1, 200, 1]) }
    }

    @Test("QuarantineUnit round-trips with every optional set and unset")
    func quarantine() throws {
        let record = RawRecord(row: 42, fields: allValues, text: Array("row text".utf8))
        for reason in QuarantineReason.allCases {
            let full = QuarantineUnit(position: position, timestampMs: 1_700_000_000_000, recordType: .attendance, reason: reason,
                                      field: "XBM", detail: "gender code \"7\" not in table", schoolCode: "3133000001",
                                      raw: Array(0...255), record: record)
            #expect(try QuarantineUnit(decoding: full.encoded()) == full)
        }
        let bare = QuarantineUnit(position: SourcePosition(topic: "raw.student", partition: 0, offset: 0, row: 0), timestampMs: 0,
                                  recordType: nil, reason: .malformed, field: nil, detail: "", schoolCode: nil, raw: [], record: nil)
        #expect(try QuarantineUnit(decoding: bare.encoded()) == bare)
        #expect(String(decoding: bare.key, as: UTF8.self) == "raw.student/0@0#0")
    }

    @Test("StandardRecord round-trips with every optional set and unset")
    func standard() throws {
        let full = StandardRecord(type: .student, key: Digest32(hex: String(repeating: "ab", count: 32))!, schoolCode: "3133000001",
                                  countyCode: "330106", updatedAtMicros: 1_788_220_800_123_456, position: position,
                                  gender: 2, grade: 33, status: 4, day: -1, className: "1班", expected: Int64.max,
                                  present: 0, birthDay: 14_672, localIdCode: Digest32.sha256([0xFF]), replayed: true)
        #expect(try StandardRecord(decoding: full.encoded()) == full)
        for type in RecordType.allCases {
            let bare = StandardRecord(type: type, key: Digest32(w0: 0, w1: 0, w2: 0, w3: 0), schoolCode: "", countyCode: "", updatedAtMicros: Int64.min,
                                      position: SourcePosition(topic: "t", partition: -1, offset: -1, row: -1))
            #expect(try StandardRecord(decoding: bare.encoded()) == bare)
        }
        let extremes = StandardRecord(type: .attendance, key: Digest32(w0: 1, w1: 2, w2: 3, w3: 4), schoolCode: "s", countyCode: "c", updatedAtMicros: 0,
                                      position: position, gender: Int16.min, grade: Int16.max, day: Int32.min, expected: Int64.min,
                                      birthDay: Int32.max)
        #expect(try StandardRecord(decoding: extremes.encoded()) == extremes)
    }

    @Test("every truncation of an IngestedMessage throws")
    func truncatedIngested() {
        let m = IngestedMessage(source: position, timestampMs: 99, registryAsOfMs: 7,
                                records: [RawRecord(row: 3, fields: allValues, text: Array("abc".utf8))])
        expectEveryPrefixThrows(m.encoded()) { try IngestedMessage(decoding: $0) }
    }

    @Test("every truncation of a QuarantineUnit throws")
    func truncatedQuarantine() {
        let u = QuarantineUnit(position: position, timestampMs: 1, recordType: .student, reason: .invalidCode, field: "XBM",
                               detail: "d", schoolCode: "3133000001", raw: Array("raw".utf8),
                               record: RawRecord(row: 42, fields: allValues, text: Array("raw".utf8)))
        expectEveryPrefixThrows(u.encoded()) { try QuarantineUnit(decoding: $0) }
        var bare = u
        bare.record = nil
        bare.field = nil
        bare.schoolCode = nil
        bare.recordType = nil
        expectEveryPrefixThrows(bare.encoded()) { try QuarantineUnit(decoding: $0) }
    }

    @Test("every truncation of a StandardRecord throws")
    func truncatedStandard() {
        let r = StandardRecord(type: .teacher, key: Digest32(w0: 1, w1: 2, w2: 3, w3: 4), schoolCode: "3133000001", countyCode: "330106", updatedAtMicros: 5,
                               position: position, gender: 1, grade: 11, status: 1, day: 3, className: "c", expected: 30,
                               present: 29, birthDay: 2, localIdCode: Digest32.sha256([0x78]), replayed: false)
        expectEveryPrefixThrows(r.encoded()) { try StandardRecord(decoding: $0) }
        let bare = StandardRecord(type: .teacher, key: Digest32(w0: 1, w1: 2, w2: 3, w3: 4), schoolCode: "s", countyCode: "c", updatedAtMicros: 5, position: position)
        expectEveryPrefixThrows(bare.encoded()) { try StandardRecord(decoding: $0) }
    }

    @Test("an unknown version byte is rejected")
    func unknownVersion() {
        let r = StandardRecord(type: .teacher, key: Digest32(w0: 1, w1: 2, w2: 3, w3: 4), schoolCode: "s", countyCode: "c", updatedAtMicros: 5, position: position)
        var bytes = r.encoded()
        bytes[0] = 99
        #expect(throws: WireFormatError.self) { try StandardRecord(decoding: bytes) }
        #expect(throws: WireFormatError.self) { try QuarantineUnit(decoding: [99]) }
        #expect(throws: WireFormatError.self) { try IngestedMessage(decoding: [99]) }
    }

    @Test("varints and zig-zag round-trip at the extremes")
    func varints() throws {
        var w = BinaryWriter()
        let unsigned: [UInt64] = [0, 1, 127, 128, 300, UInt64(UInt32.max), UInt64.max]
        let signed: [Int64] = [0, -1, 1, -64, 64, Int64.min, Int64.max]
        for v in unsigned { w.unsigned(v) }
        for v in signed { w.signed(v) }
        var r = BinaryReader(w.bytes)
        for v in unsigned { #expect(try r.unsigned() == v) }
        for v in signed { #expect(try r.signed() == v) }
        #expect(r.isAtEnd)
    }

    @Test("an over-long varint or an out-of-range int32 is rejected")
    func badVarints() {
        var long = BinaryReader(Array(repeating: 0x80, count: 11) + [0x01])
        #expect(throws: WireFormatError.self) { try long.unsigned() }
        var w = BinaryWriter()
        w.signed(Int64(Int32.max) + 1)
        var r = BinaryReader(w.bytes)
        #expect(throws: WireFormatError.self) { try r.int32() }
    }
}
