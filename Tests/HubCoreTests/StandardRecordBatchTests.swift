import HubCore
import Testing

@Suite("StandardRecordBatch wire format")
struct StandardRecordBatchTests {
    private static let position = SourcePosition(topic: "raw.student", partition: 3, offset: 9_876_543_210, row: 17)

    /// Records of every type, with every optional set in one and unset in others.
    private static let records: [StandardRecord] = {
        var full = StandardRecord(type: .student, key: String(repeating: "c0", count: 32), schoolCode: "3133000001",
                                  countyCode: "330106", updatedAtMicros: 1_788_220_800_123_456, position: position,
                                  gender: 2, grade: 33, status: 4, day: -1, className: "1班", expected: Int64.max,
                                  present: 0, birthDay: 14_672, localIdCode: "ff", replayed: true, sourceTimestampMs: 1_788_220_800_999)
        full.qualityChecked = UInt64.max
        full.qualityFailed = 1 << 63
        let teacher = StandardRecord(type: .teacher, key: "t", schoolCode: "s", countyCode: "c", updatedAtMicros: Int64.min,
                                     position: SourcePosition(topic: "raw.teacher", partition: 0, offset: 0, row: 0))
        let attendance = StandardRecord(type: .attendance, key: "3133000001|20260901|11|1班", schoolCode: "3133000001",
                                        countyCode: "330106", updatedAtMicros: 0, position: position, grade: 11, day: 20_697,
                                        className: "1班", expected: 40, present: 38)
        return [full, teacher, attendance, teacher]
    }()

    @Test("a batch round-trips, records in order, with the builder's size exact at every step")
    func roundTrip() throws {
        let batch = StandardRecordBatch(records: Self.records)
        let bytes = batch.encoded()
        #expect(bytes.first == StandardRecordBatch.version)
        #expect(try StandardRecordBatch(decoding: bytes) == batch)
        #expect(try StandardRecordBatch.records(decodingMessage: bytes) == Self.records)

        var builder = StandardRecordBatchBuilder(capacity: 0)
        #expect(builder.byteCount == builder.encoded().count)
        for record in Self.records {
            let encoded = record.encoded()
            let predicted = builder.byteCount(afterAppending: encoded.count)
            builder.append(encodedRecord: encoded)
            #expect(builder.byteCount == predicted)
            #expect(builder.encoded().count == predicted)
        }
        #expect(builder.count == Self.records.count)
        #expect(builder.encoded() == bytes)
    }

    @Test("a batch of 300 records (a two-byte count) round-trips")
    func manyRecords() throws {
        let records = (0..<300).map { i in
            StandardRecord(type: .student, key: "person-\(i)", schoolCode: "3133000001", countyCode: "330106",
                           updatedAtMicros: Int64(i), position: SourcePosition(topic: "raw.student", partition: 1, offset: Int64(i), row: 0))
        }
        #expect(try StandardRecordBatch(decoding: StandardRecordBatch(records: records).encoded()).records == records)
    }

    @Test("an empty batch is the version byte and a zero count")
    func empty() throws {
        let bytes = StandardRecordBatch().encoded()
        #expect(bytes == [StandardRecordBatch.version, 0])
        #expect(StandardRecordBatchBuilder().isEmpty)
        #expect(StandardRecordBatchBuilder().encoded() == bytes)
        #expect(try StandardRecordBatch(decoding: bytes).records.isEmpty)
        #expect(try StandardRecordBatch.records(decodingMessage: bytes).isEmpty)
    }

    @Test("every strict prefix of a batch throws")
    func everyPrefixThrows() {
        for records in [Self.records, [Self.records[1]], []] {
            let bytes = StandardRecordBatch(records: records).encoded()
            for n in 0..<bytes.count {
                let prefix = Array(bytes.prefix(n))
                #expect(throws: WireFormatError.self, "\(records.count) records, prefix of \(n) bytes") {
                    try StandardRecordBatch(decoding: prefix)
                }
                #expect(throws: WireFormatError.self, "\(records.count) records, prefix of \(n) bytes") {
                    try StandardRecordBatch.records(decodingMessage: prefix)
                }
            }
        }
    }

    @Test("trailing bytes, a wrong version, an impossible count and a damaged record throw")
    func garbage() {
        let bytes = StandardRecordBatch(records: Self.records).encoded()
        #expect(throws: WireFormatError.self) { try StandardRecordBatch(decoding: bytes + [0]) }
        #expect(throws: WireFormatError.self) { try StandardRecordBatch(decoding: [2] + bytes.dropFirst()) }
        #expect(throws: WireFormatError.self) { try StandardRecordBatch(decoding: Self.records[0].encoded()) }
        // A count of 2^63 with nothing behind it, and a ten-byte varint count that overflows.
        #expect(throws: WireFormatError.self) {
            try StandardRecordBatch(decoding: [StandardRecordBatch.version, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
        }
        #expect(throws: WireFormatError.self) {
            try StandardRecordBatch(decoding: [StandardRecordBatch.version] + [UInt8](repeating: 0xFF, count: 11))
        }
        // One record whose own version byte is damaged inside a well-framed batch.
        var builder = StandardRecordBatchBuilder()
        var damaged = Self.records[1].encoded()
        damaged[0] = 99
        builder.append(encodedRecord: damaged)
        #expect(throws: WireFormatError.self) { try StandardRecordBatch(decoding: builder.encoded()) }
        // A count larger than the records that follow.
        var short = bytes
        short[1] += 1
        #expect(throws: WireFormatError.self) { try StandardRecordBatch(decoding: short) }
        #expect(throws: WireFormatError.self) { try StandardRecordBatch.records(decodingMessage: []) }
        #expect(throws: WireFormatError.self) { try StandardRecordBatch.records(decodingMessage: [77, 1, 2]) }
    }

    @Test("a message holding one StandardRecord (versions 1 and 2) still decodes")
    func singleRecordMessages() throws {
        let record = Self.records[2]
        let version2 = record.encoded()
        #expect(try StandardRecordBatch.records(decodingMessage: version2) == [record])
        // Version 1 had no quality masks: the same bytes without the two trailing zero varints.
        let version1 = [1] + version2.dropFirst().dropLast(2)
        #expect(try StandardRecordBatch.records(decodingMessage: version1) == [record])
    }
}
