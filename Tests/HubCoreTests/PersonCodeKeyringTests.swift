import HubCore
import HubCrypto
import Testing

/// Key generations (README, "Key rotation"): chained codes against vectors computed with the
/// openssl command line, and the generation on the wire.
@Suite("Person-code key generations")
struct PersonCodeKeyringTests {
    let k1 = Array("test-secret-0123456789".utf8)
    let k2 = Array("rotation-key-generation-2".utf8)
    let id = "11010519491231002X"

    // c1=$(printf %s 11010519491231002X | openssl dgst -sha256 -hmac test-secret-0123456789 -r | cut -d' ' -f1)
    // printf %s $c1 | xxd -r -p | openssl dgst -sha256 -hmac rotation-key-generation-2 -r
    static let sha256Gen1 = "ef96c5fb38b4bffa37e4ff1a2c8630acf484022fe744d3b11b43683ebead303e"
    static let sha256Gen2 = "7b9529b8998e72e6cdec34096dcf9a9121c635bc5548f40a8fa93de005585152"
    // The same with -sm3.
    static let sm3Gen1 = "f5aa292b8db4786d03b2526347d894001528541b5e7b886bee8feac7e8a48e6f"
    static let sm3Gen2 = "7de43037456437fb4cb790f9a4c2bdcef9f47603a1ec6c47df4e6eca3d893895"

    @Test("code₂ = HMAC(k₂, code₁), as openssl computes it, in both suites", arguments: [CipherSuite.international, .national])
    func chainMatchesOpenSSL(suite: CipherSuite) throws {
        let ring = try PersonCodeKeyring(keys: [1: try Pseudonymizer(secret: k1, suite: suite), 2: try Pseudonymizer(secret: k2, suite: suite)])
        #expect(ring.current == 2)
        let code1 = try #require(ring.base).personCode(canonicalId: id)
        let expected = suite == .international ? (Self.sha256Gen1, Self.sha256Gen2) : (Self.sm3Gen1, Self.sm3Gen2)
        #expect(code1.hex == expected.0)
        #expect(try ring.chain(code1, from: 1, to: 2).hex == expected.1)
        // The outer key alone moves a code on: a keyring without generation 1 gives the same.
        let outer = try PersonCodeKeyring(keys: [2: try Pseudonymizer(secret: k2, suite: suite)])
        #expect(outer.base == nil)
        #expect(try outer.chain(code1, from: 1, to: 2).hex == expected.1)
        #expect(try outer.chain(code1, from: 2, to: 2) == code1)
    }

    @Test("a missing generation is an error naming the setting, never a wrong code")
    func missingKey() throws {
        let ring = try PersonCodeKeyring(keys: [2: Pseudonymizer(secret: k2)])
        let code = try Pseudonymizer(secret: k1).personCode(canonicalId: id)
        #expect(!ring.canChain(from: 1, to: 3))
        #expect(ring.canChain(from: 1, to: 2))
        let error = #expect(throws: KeyringError.self) { try ring.chain(code, from: 1, to: 3) }
        #expect(error?.missingGeneration == 3)
        #expect(error?.description.contains("HUB_PERSON_CODE_KEY_FILES") == true)
        #expect(throws: KeyringError.self) { try PersonCodeKeyring(keys: [0: Pseudonymizer(secret: k1)]) }
        #expect(throws: KeyringError.self) { try PersonCodeKeyring(keys: [1_001: Pseudonymizer(secret: k1)]) }
    }

    @Test("publishing moves person codes and pseudonyms, never attendance keys; raising in steps equals one step")
    func publishAndRaise() throws {
        let k3 = Array("rotation-key-generation-3".utf8)
        let ring = try PersonCodeKeyring(keys: [1: Pseudonymizer(secret: k1), 2: Pseudonymizer(secret: k2), 3: Pseudonymizer(secret: k3)])
        let base = Pseudonymizer(secret: k1)
        let code1 = try base.personCode(canonicalId: id)
        let local1 = try base.pseudonym(domain: "student.registry_no", "G3301")
        let student = StandardRecord(type: .student, key: code1, schoolCode: "3301020001", countyCode: "330102", updatedAtMicros: 1,
                                     position: SourcePosition(topic: "raw.student", partition: 0, offset: 1, row: 0), localIdCode: local1)
        let published = try ring.publish(student, routedAmong: 6)
        #expect(published.keyGeneration == 3)
        #expect(published.routedPartitions == 6)
        #expect(try published.key == Pseudonymizer(secret: k3).chained(Pseudonymizer(secret: k2).chained(code1)))
        #expect(try published.localIdCode == Pseudonymizer(secret: k3).chained(Pseudonymizer(secret: k2).chained(local1)))
        var atTwo = try ring.raise(student, to: 2)
        #expect(atTwo.key.hex == Self.sha256Gen2)
        atTwo.routedPartitions = 6
        #expect(try ring.raise(atTwo, to: 3) == published)
        #expect(try ring.raise(published, to: 2) == published, "never moved down")
        // Its partition is code₁'s, which the record no longer shows: routed among 6.
        #expect(published.belongs(onPartition: code1.partition(of: 6), of: 6))
        #expect(!published.belongs(onPartition: 0, of: 5))
        #expect(student.belongs(onPartition: code1.partition(of: 6), of: 6))
        #expect(!student.belongs(onPartition: (code1.partition(of: 6) + 1) % 6, of: 6))

        let attendance = StandardRecord(type: .attendance, key: StandardRecord.attendanceKey(school: "3301020001", day: 1, grade: 1, className: "1"),
                                        schoolCode: "3301020001", countyCode: "330102", updatedAtMicros: 1,
                                        position: SourcePosition(topic: "raw.attendance", partition: 0, offset: 1, row: 0))
        let a = try ring.publish(attendance, routedAmong: 6)
        #expect(a.key == attendance.key && a.keyGeneration == 3 && a.routedPartitions == 0)
        #expect(a.belongs(onPartition: attendance.key.partition(of: 6), of: 6))
    }

    @Test("the generation and routing count round-trip on the wire, alone and in batches")
    func wireRoundTrip() throws {
        var r = StandardRecord(type: .teacher, key: try Pseudonymizer(secret: k1).personCode(canonicalId: id), schoolCode: "3301020001",
                               countyCode: "330102", updatedAtMicros: 7, position: SourcePosition(topic: "raw.teacher", partition: 2, offset: 9, row: 1))
        for (g, n) in [(1, Int32(0)), (2, Int32(6)), (PersonCodeKeyring.maxGeneration, Int32(1_000))] {
            r.keyGeneration = g
            r.routedPartitions = n
            let single = try StandardRecord(decoding: r.encoded())
            #expect(single == r)
            let batch = try StandardRecordBatch.decodeMessage(StandardRecordBatch(records: [r, r], monitorNames: ["m"]).encoded())
            #expect(batch.records == [r, r])
        }
        // A generation outside 1…1000 is refused, not trusted.
        r.keyGeneration = 1
        r.routedPartitions = 0
        for bad: UInt64 in [0, 1_001] {
            var bytes = r.encoded()
            #expect(Array(bytes.suffix(2)) == [1, 0])
            bytes.removeLast(2)
            var w = BinaryWriter(capacity: 8)
            w.unsigned(bad)
            w.unsigned(0)
            #expect(throws: WireFormatError.self) { try StandardRecord(decoding: bytes + w.bytes) }
        }
    }

    @Test("wire version 3 records and 0x81 batches (before key generations) still decode, as generation 1")
    func olderVersionsDecode() throws {
        let key = try #require(Digest32(hex: Self.sha256Gen1))
        // Wire version 3, written field by field as that version laid it out.
        func body(_ w: inout BinaryWriter) {
            w.byte(1)  // student
            w.digest(key)
            w.string("3301020001")
            w.string("330102")
            w.signed(1_700_000_000_000_000)
            w.signed(3)  // partition
            w.signed(42)  // offset
            w.signed(0)  // row
            w.unsigned(1 | 2)  // gender, grade
            w.signed(1)
            w.signed(5)
            w.signed(1_700_000_000_000)  // source timestamp
            w.unsigned(3)
            w.unsigned(1)
        }
        var single = BinaryWriter(capacity: 128)
        single.byte(3)
        single.string("raw.student")
        body(&single)
        let decoded = try StandardRecord(decoding: single.bytes)
        #expect(decoded.key == key && decoded.gender == 1 && decoded.grade == 5 && decoded.qualityChecked == 3)
        #expect(decoded.position == SourcePosition(topic: "raw.student", partition: 3, offset: 42, row: 0))
        #expect(decoded.keyGeneration == 1 && decoded.routedPartitions == 0)
        #expect(decoded.belongs(onPartition: key.partition(of: 3), of: 3))

        var batch = BinaryWriter(capacity: 256)
        batch.byte(0x81)
        batch.string("raw.student")
        batch.unsigned(1)
        batch.string("monitor")
        batch.unsigned(2)
        body(&batch)
        body(&batch)
        let records = try StandardRecordBatch.records(decodingMessage: batch.bytes)
        #expect(records == [decoded, decoded])
    }
}
