import HubCore
import Testing

@Suite("StandardRecordBatch wire format")
struct StandardRecordBatchTests {
    private static let position = SourcePosition(topic: "raw.student", partition: 3, offset: 9_876_543_210, row: 17)
    private static func key(_ s: String) -> Digest32 { Digest32.sha256(Array(s.utf8)) }

    /// Records of every type, with every optional set in one and unset in others; all from one
    /// source topic, as a batch requires.
    private static let records: [StandardRecord] = {
        var full = StandardRecord(type: .student, key: key("c0"), schoolCode: "3133000001",
                                  countyCode: "330106", updatedAtMicros: 1_788_220_800_123_456, position: position,
                                  gender: 2, grade: 33, status: 4, day: -1, className: "1班", expected: Int64.max,
                                  present: 0, birthDay: 14_672, localIdCode: key("ff"), replayed: true, sourceTimestampMs: 1_788_220_800_999)
        full.qualityChecked = UInt64.max
        full.qualityFailed = 1 << 63
        let teacher = StandardRecord(type: .teacher, key: key("t"), schoolCode: "s", countyCode: "c", updatedAtMicros: Int64.min,
                                     position: SourcePosition(topic: "raw.student", partition: 0, offset: 0, row: 0))
        let attendance = StandardRecord(type: .attendance, key: StandardRecord.attendanceKey(school: "3133000001", day: 20_697,
                                                                                          grade: 11, className: "1班"),
                                        schoolCode: "3133000001", countyCode: "330106", updatedAtMicros: 0, position: position,
                                        grade: 11, day: 20_697, className: "1班", expected: 40, present: 38)
        return [full, teacher, attendance, teacher]
    }()

    @Test("a batch round-trips with its topic and monitor names, the builder's size exact at every step")
    func roundTrip() throws {
        let batch = StandardRecordBatch(records: Self.records, monitorNames: ["a", "b", "中文"])
        let bytes = batch.encoded()
        #expect(bytes.first == StandardRecordBatch.version)
        #expect(try StandardRecordBatch(decoding: bytes) == batch)
        #expect(try StandardRecordBatch.decodeMessage(bytes) == batch)

        var builder = StandardRecordBatchBuilder(topic: "raw.student", monitorNames: ["a", "b", "中文"], capacity: 0)
        #expect(builder.byteCount == builder.encoded().count)
        for record in Self.records {
            let size = builder.append(record)
            #expect(builder.byteCount == size)
            #expect(builder.encoded().count == size)
        }
        #expect(builder.count == Self.records.count)
        #expect(builder.encoded() == bytes)
        builder.removeAll()
        #expect(builder.isEmpty)
        #expect(builder.encoded() == StandardRecordBatchBuilder(topic: "raw.student", monitorNames: ["a", "b", "中文"]).encoded())
    }

    @Test("a batch of 300 records (a two-byte count) round-trips")
    func manyRecords() throws {
        let records = (0..<300).map { i in
            StandardRecord(type: .student, key: Self.key("person-\(i)"), schoolCode: "3133000001", countyCode: "330106",
                           updatedAtMicros: Int64(i), position: SourcePosition(topic: "raw.student", partition: 1, offset: Int64(i), row: 0))
        }
        #expect(try StandardRecordBatch(decoding: StandardRecordBatch(records: records).encoded()).records == records)
    }

    @Test("an empty batch is the header and a zero count")
    func empty() throws {
        let bytes = StandardRecordBatch().encoded()
        // version, empty topic (length 0), no monitor names (0), no records (0)
        #expect(bytes == [StandardRecordBatch.version, 0, 0, 0])
        #expect(StandardRecordBatchBuilder(topic: "", monitorNames: []).encoded() == bytes)
        #expect(try StandardRecordBatch(decoding: bytes).records.isEmpty)
    }

    @Test("every strict prefix of a batch throws")
    func everyPrefixThrows() {
        for records in [Self.records, [Self.records[1]], []] {
            let bytes = StandardRecordBatch(records: records, monitorNames: ["m"]).encoded()
            for n in 0..<bytes.count {
                let prefix = Array(bytes.prefix(n))
                #expect(throws: WireFormatError.self, "\(records.count) records, prefix of \(n) bytes") {
                    try StandardRecordBatch(decoding: prefix)
                }
                #expect(throws: WireFormatError.self, "\(records.count) records, prefix of \(n) bytes") {
                    try StandardRecordBatch.decodeMessage(prefix)
                }
            }
        }
    }

    @Test("decoding onto a buffer appends each message's records in order; a message that fails leaves the buffer as it was")
    func decodingOntoABuffer() throws {
        let batch = StandardRecordBatch(records: Self.records, monitorNames: ["a", "b"])
        var buffer: [StandardRecord] = [Self.records[1]]
        #expect(try StandardRecordBatch.decodeMessage(batch.encoded(), appendingTo: &buffer) == ["a", "b"])
        #expect(try StandardRecordBatch.decodeMessage(Self.records[2].encoded(), appendingTo: &buffer) == [])
        #expect(buffer == [Self.records[1]] + Self.records + [Self.records[2]])
        // Every strict prefix of the batch fails part-way: nothing of it stays behind.
        let bytes = batch.encoded()
        for n in 0..<bytes.count {
            #expect(throws: WireFormatError.self) { try StandardRecordBatch.decodeMessage(Array(bytes.prefix(n)), appendingTo: &buffer) }
            #expect(buffer.count == Self.records.count + 2, "prefix of \(n) bytes")
        }
        // Emptied with its capacity and filled again, it holds exactly the new message.
        buffer.removeAll(keepingCapacity: true)
        _ = try StandardRecordBatch.decodeMessage(bytes, appendingTo: &buffer)
        #expect(buffer == Self.records)
    }

    @Test("trailing bytes, a wrong version, an impossible count and a damaged record throw")
    func garbage() {
        let bytes = StandardRecordBatch(records: Self.records).encoded()
        #expect(throws: WireFormatError.self) { try StandardRecordBatch(decoding: bytes + [0]) }
        #expect(throws: WireFormatError.self) { try StandardRecordBatch(decoding: [2] + bytes.dropFirst()) }
        #expect(throws: WireFormatError.self) { try StandardRecordBatch(decoding: Self.records[0].encoded()) }
        // A count of 2^63 with nothing behind it, and a ten-byte varint count that overflows.
        #expect(throws: WireFormatError.self) {
            try StandardRecordBatch(decoding: [StandardRecordBatch.version, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
        }
        #expect(throws: WireFormatError.self) {
            try StandardRecordBatch(decoding: [StandardRecordBatch.version, 0, 0] + [UInt8](repeating: 0xFF, count: 11))
        }
        // A record whose type byte is unknown inside a well-framed batch: version, topic length
        // and "raw.student" (11 bytes), no monitor names, count 1, then the record's type.
        var damaged = StandardRecordBatch(records: [Self.records[1]]).encoded()
        #expect(damaged[15] == RecordType.teacher.wireCode)
        damaged[15] = 99
        #expect(throws: WireFormatError.self) { try StandardRecordBatch(decoding: damaged) }
        #expect(throws: WireFormatError.self) { try StandardRecordBatch.decodeMessage([]) }
        #expect(throws: WireFormatError.self) { try StandardRecordBatch.decodeMessage([77, 1, 2]) }
    }

    /// The wire version 2 layout of one record, written here independently of the production
    /// encoder (which no longer writes it): version, type name, key text, school, county,
    /// updated at, topic, partition, offset, row, nine optionals, replayed, Kafka time, masks.
    static func version2(type: String, key: String, school: String, county: String, updated: Int64, topic: String,
                         partition: Int64, offset: Int64, row: Int64, grade: Int64?, day: Int64?, className: String?,
                         expected: Int64?, present: Int64?, masks: (Int64, Int64)) -> [UInt8] {
        var w = BinaryWriter()
        w.byte(2)
        w.string(type)
        w.string(key)
        w.string(school)
        w.string(county)
        w.signed(updated)
        w.string(topic)
        w.signed(partition)
        w.signed(offset)
        w.signed(row)
        w.optionalSigned(nil)  // gender
        w.optionalSigned(grade)
        w.optionalSigned(nil)  // status
        w.optionalSigned(day)
        w.optionalString(className)
        w.optionalSigned(expected)
        w.optionalSigned(present)
        w.optionalSigned(nil)  // birth day
        w.optionalString(nil)  // local id
        w.byte(0)
        w.signed(1_788_220_800_999)
        w.signed(masks.0)
        w.signed(masks.1)
        return w.bytes
    }

    @Test("messages of the earlier layouts still decode: a lone version-2 record and a 0x80 batch")
    func legacyMessages() throws {
        let hexKey = String(repeating: "ab", count: 32)
        let student = Self.version2(type: "student", key: hexKey, school: "3133000001", county: "330106", updated: 5,
                                    topic: "raw.student", partition: 1, offset: 7, row: 2, grade: 11, day: nil, className: nil,
                                    expected: nil, present: nil, masks: (3, 1))
        let decoded = try #require(try StandardRecordBatch.records(decodingMessage: student).first)
        #expect(decoded.key.hex == hexKey)
        #expect(decoded.position == SourcePosition(topic: "raw.student", partition: 1, offset: 7, row: 2))
        #expect(decoded.grade == 11 && decoded.qualityChecked == 3 && decoded.qualityFailed == 1)

        // An attendance key was the text school␟day␟grade␟class; it reads as the hash the
        // standardiser computes now, so old and new versions of an entity meet.
        let composite = "3133000001\u{1F}20697\u{1F}11\u{1F}1班"
        let attendance = Self.version2(type: "attendance", key: composite, school: "3133000001", county: "330106", updated: 9,
                                       topic: "raw.attendance", partition: 0, offset: 1, row: 0, grade: 11, day: 20_697,
                                       className: "1班", expected: 40, present: 38, masks: (0, 0))
        var batch = BinaryWriter()
        batch.byte(0x80)
        batch.unsigned(2)
        batch.bytes(student)
        batch.bytes(attendance)
        let both = try StandardRecordBatch.records(decodingMessage: batch.bytes)
        #expect(both.count == 2)
        #expect(both[1].key == StandardRecord.attendanceKey(school: "3133000001", day: 20_697, grade: 11, className: "1班"))
        #expect(both[1].expected == 40 && both[1].present == 38 && both[1].className == "1班")
    }

    @Test("keys land on the partition their first four bytes say, in every partition count")
    func partitions() {
        let k = Digest32(w0: 0x0000_0007_FFFF_FFFF, w1: 0, w2: 0, w3: 0)
        #expect(k.partition(of: 4) == 3)
        #expect(k.partition(of: 7) == 0)
        #expect(Digest32(w0: 0xFFFF_FFFF_0000_0000, w1: 0, w2: 0, w3: 0).partition(of: 10) == Int32(UInt32.max % 10))
        #expect(k.partition(of: 0) == 0)
    }
}
