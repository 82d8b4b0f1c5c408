import Foundation
import HubCore
import HubStore
import Postgres
import TestSupport
import Testing
import SinkCore
import Topology

/// The sink's offset fence (SPEC §4 "Exactly once"; README "the sink's one transaction"): a
/// zombie — a second connection that still believes in offsets another sink has moved on —
/// is refused, and its batch changes nothing: no aggregate, quarantine row or offset.
@Suite("Sink offset fence")
struct SinkFenceTests {
    static let topic = "std.student"
    static let group = "hub-sink"

    static func topology() throws -> Topology {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return try TopologyLoader.load(directory: url.path + "/Topologies")
    }

    static func student(_ key: String, offset: Int64) -> StandardRecord {
        StandardRecord(type: .student, key: Digest32.sha256(Array(key.utf8)), schoolCode: "3133000001", countyCode: "330106",
                       updatedAtMicros: 1_788_220_800_000_000 + offset,
                       position: SourcePosition(topic: "raw.student", partition: 0, offset: offset, row: 0),
                       gender: 1, grade: 11, status: 1)
    }

    static func batch(_ records: [StandardRecord], quarantine: [QuarantineUnit] = [],
                      offsets: [(String, Int32, Int64, Int64)]) -> SinkBatch {
        var b = SinkBatch()
        // One std partition per record as its key says (the sink worker enforces it).
        for r in records { b.append(r, partition: r.key.partition(of: 2)) }
        b.quarantine = quarantine
        b.offsets = offsets.map { OffsetAdvance(topic: $0.0, partition: $0.1, expected: $0.2, next: $0.3) }
        return b
    }

    static func commit(_ sink: Sink, _ batch: SinkBatch) throws -> SinkCommitSummary {
        try sink.committer.commit(group: group, batch, slots: sink.state.slots)
    }

    /// Students counted at the province, the quarantine rows and the stored offsets.
    static func published(_ db: PGConnection) throws -> [String] {
        let students = try db.query("SELECT coalesce(sum(students), 0) FROM hub.enrollment_agg WHERE level = 'province'").value(0, 0) ?? ""
        let quarantined = try db.query("SELECT count(*) FROM hub.quarantine").value(0, 0) ?? ""
        let offsets = try db.query("SELECT string_agg(topic || '#' || partition || '@' || next_offset, ',' ORDER BY topic, partition) FROM hub.sink_offsets")
        return [students, quarantined, offsets.value(0, 0) ?? ""]
    }

    typealias Sink = (committer: SinkCommitter, state: SinkPartitionState)

    /// Both std.student partitions.
    static let partitions = [(topic: topic, partition: Int32(0)), (topic: topic, partition: Int32(1))]

    /// A migrated database and two sink instances over it, each on its own connection.
    static func twoSinks(prefix: String) throws -> ((Sink, PGConnection), (Sink, PGConnection)) {
        let conninfo = try TestServices.createDatabase(prefix: prefix)
        let topology = try Self.topology()
        let schema = HubSchema(name: "hub")
        let first = try PGConnection(conninfo: conninfo), second = try PGConnection(conninfo: conninfo)
        try schema.migrate(first, topology: topology)
        func sink(_ db: PGConnection) throws -> Sink {
            (SinkCommitter(db: db, schema: schema, topology: topology, bits: try MonitorBits.load(db, schema: schema)),
             SinkPartitionState(db: db, schema: schema, stdTopics: [topic: .student], partitionCounts: [.student: 2]))
        }
        return ((try sink(first), first), (try sink(second), second))
    }

    @Test func aZombieWithStaleOffsetsIsRefusedAndChangesNothing() throws {
        let ((owner, ownerDB), (zombie, _)) = try Self.twoSinks(prefix: "fence")

        // Both read the stored offsets (0); the owner then commits twice on partition 0.
        #expect(try owner.state.loadOffsets(group: Self.group, partitions: Self.partitions) == ["\(Self.topic)#0": 0, "\(Self.topic)#1": 0])
        #expect(try zombie.state.loadOffsets(group: Self.group, partitions: Self.partitions) == ["\(Self.topic)#0": 0, "\(Self.topic)#1": 0])
        _ = try Self.commit(owner, Self.batch([Self.student("a", offset: 1)], offsets: [(Self.topic, 0, 0, 1)]))
        _ = try Self.commit(owner, Self.batch([Self.student("b", offset: 2)], offsets: [(Self.topic, 0, 1, 2)]))
        let before = try Self.published(ownerDB)
        #expect(before == ["2", "0", "\(Self.topic)#0@2,\(Self.topic)#1@0"])

        // The zombie still expects partition 0 at 0: its batch — a new student and a
        // quarantined unit — is refused as a whole.
        let unit = QuarantineUnit(position: SourcePosition(topic: "raw.student", partition: 0, offset: 9, row: 0), timestampMs: 1,
                                  recordType: .student, reason: .invalidCode, field: "XBM", detail: "test", schoolCode: "3133000001",
                                  raw: Array("{}".utf8), record: nil)
        #expect(throws: FencedError.self) {
            try Self.commit(zombie, Self.batch([Self.student("zombie", offset: 3)], quarantine: [unit],
                                                            offsets: [(Self.topic, 0, 0, 5)]))
        }
        #expect(try Self.published(ownerDB) == before)
        // One stale partition refuses the batch even when the other partition's offset is current.
        #expect(throws: FencedError.self) {
            try Self.commit(zombie, Self.batch([Self.student("zombie", offset: 3)],
                                                            offsets: [(Self.topic, 1, 0, 1), (Self.topic, 0, 1, 3)]))
        }
        #expect(try Self.published(ownerDB) == before)

        // After reloading (what the sink does when fenced) the same connection commits normally.
        #expect(try zombie.state.loadOffsets(group: Self.group, partitions: Self.partitions)["\(Self.topic)#0"] == 2)
        _ = try Self.commit(zombie, Self.batch([Self.student("c", offset: 4)], offsets: [(Self.topic, 0, 2, 3)]))
        #expect(try Self.published(ownerDB) == ["3", "0", "\(Self.topic)#0@3,\(Self.topic)#1@0"])
    }

    /// A partition that moves from sink A to B and back: each owner loads the slot map on
    /// assignment, so every replacement finds the row the other wrote. A that kept its map
    /// from before (slots B has since replaced) would find nothing and insert a second row.
    @Test func aPartitionMovingAToBToAKeepsOneRowPerEntity() throws {
        let ((a, dbA), (b, _)) = try Self.twoSinks(prefix: "fence_move")
        func students(grade: Int16, offset: Int64) -> [StandardRecord] {
            (1...10).map { i in
                var r = Self.student("s\(i)", offset: offset + Int64(i))
                r.grade = grade
                return r
            }
        }
        func grades() throws -> [String] {
            let r = try dbA.query("""
                SELECT grade_code || '|' || students FROM hub.enrollment_agg WHERE level = 'province' AND students <> 0 ORDER BY 1
                """)
            return (0..<r.rowCount).map { r.value($0, 0) ?? "" }
        }
        func rows() throws -> String? {
            try dbA.query("SELECT count(*) || '|' || count(DISTINCT entity_key) FROM hub.entity_state").value(0, 0)
        }

        _ = try a.state.loadOffsets(group: Self.group, partitions: Self.partitions)
        _ = try Self.commit(a, Self.batch(students(grade: 11, offset: 0), offsets: [(Self.topic, 0, 0, 1), (Self.topic, 1, 0, 1)]))
        a.state.forget(partitions: Self.partitions)
        _ = try b.state.loadOffsets(group: Self.group, partitions: Self.partitions)
        _ = try Self.commit(b, Self.batch(students(grade: 12, offset: 100), offsets: [(Self.topic, 0, 1, 2), (Self.topic, 1, 1, 2)]))
        #expect(try rows() == "10|10")
        #expect(try grades() == ["12|10"])
        b.state.forget(partitions: Self.partitions)
        #expect(try a.state.loadOffsets(group: Self.group, partitions: Self.partitions) == ["\(Self.topic)#0": 2, "\(Self.topic)#1": 2])
        let s = try Self.commit(a, Self.batch(students(grade: 13, offset: 200), offsets: [(Self.topic, 0, 2, 3), (Self.topic, 1, 2, 3)]))
        #expect(s.created == 0 && s.stateChanges == 10)
        #expect(try rows() == "10|10")
        #expect(try grades() == ["13|10"])
    }
}
