import Foundation
import HubCore
import HubStore
import Postgres
import SinkCore
import TestSupport
import Topology

/// A fresh database migrated with the shipped topology, and a sink committer over it with two
/// partitions per std topic. Records are built by hand; every expected figure in the tests
/// that use it is worked out in the test itself.
final class SinkFixture {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let topology: Topology? = try? TopologyLoader.load(directory: repositoryRoot + "/Topologies")

    static let partitionCount: Int32 = 2
    static let topics: [RecordType: String] = [.student: "std.student", .teacher: "std.teacher", .attendance: "std.attendance"]

    let db: PGConnection
    let conninfo: String
    let schema = HubSchema(name: "hub")
    let topology: Topology
    var committer: SinkCommitter
    var state: SinkPartitionState
    /// The next offset per (topic, partition), as the consumer would track it.
    var offsets: [String: Int64] = [:]
    let group = "test-sink"

    init(_ name: String) throws {
        guard let topology = Self.topology else { throw FixtureError("the shipped topology does not load") }
        self.topology = topology
        conninfo = try TestServices.createDatabase(prefix: name)
        db = try PGConnection(conninfo: conninfo)
        try schema.migrate(db, topology: topology)
        (committer, state) = try Self.open(db, schema: schema, topology: topology)
        offsets = try state.loadOffsets(group: group, partitions: Self.allPartitions)
    }

    static var allPartitions: [(topic: String, partition: Int32)] {
        (topics.values.sorted() + ["hub.quarantine"]).flatMap { t in (0..<partitionCount).map { (t, $0) } }
    }

    static func open(_ db: PGConnection, schema: HubSchema, topology: Topology) throws -> (SinkCommitter, SinkPartitionState) {
        let bits = try MonitorBits.load(db, schema: schema)
        var stdTopics: [String: RecordType] = [:]
        for (t, name) in topics { stdTopics[name] = t }
        let state = SinkPartitionState(db: db, schema: schema, stdTopics: stdTopics,
                                       partitionCounts: [.student: partitionCount, .teacher: partitionCount, .attendance: partitionCount])
        return (SinkCommitter(db: db, schema: schema, topology: topology, bits: bits), state)
    }

    /// A sink restart: new committer and partition state, filters and offsets loaded again.
    func restart() throws {
        (committer, state) = try Self.open(db, schema: schema, topology: topology)
        offsets = try state.loadOffsets(group: group, partitions: Self.allPartitions)
    }

    /// Commits `records` (and `quarantine`) as one batch, each record on the partition its key
    /// maps to, advancing each partition used by one message.
    @discardableResult
    func commit(_ records: [StandardRecord], quarantine: [QuarantineUnit] = []) throws -> SinkCommitSummary {
        var batch = SinkBatch()
        var used: Set<String> = []
        for r in records {
            let p = r.key.partition(of: Self.partitionCount)
            batch.append(r, partition: p)
            used.insert(StoredOffsets.key(Self.topics[r.type] ?? "", p))
        }
        if !quarantine.isEmpty { used.insert(StoredOffsets.key("hub.quarantine", 0)) }
        for k in used.sorted() {
            let parts = k.split(separator: "#")
            let expected = offsets[k] ?? 0
            batch.offsets.append(OffsetAdvance(topic: String(parts[0]), partition: Int32(parts[1]) ?? 0, expected: expected,
                                               next: expected + 1))
        }
        batch.quarantine = quarantine
        let summary = try committer.commit(group: group, batch, slots: state.slots)
        for o in batch.offsets { offsets[StoredOffsets.key(o.topic, o.partition)] = o.next }
        return summary
    }

    func query(_ sql: String) throws -> PGResult { try db.query(sql) }

    /// Rows of `sql` as `a|b|c` strings.
    func lines(_ sql: String) throws -> [String] {
        let r = try db.query(sql)
        return (0..<r.rowCount).map { i in (0..<r.columnNames.count).map { r.value(i, $0) ?? "∅" }.joined(separator: "|") }
    }

    // MARK: records

    static let countyOf = ["3133000001": "330106", "3133000002": "330106", "3133000003": "330212"]

    static func person(_ n: Int) -> Digest32 { Digest32.sha256(Array("person-\(n)".utf8)) }

    /// 2026-09-01 08:00 Beijing, plus `minutes`, in microseconds.
    static func micros(minutes: Int64 = 0) -> Int64 { 1_788_220_800_000_000 + minutes * 60_000_000 }

    static func student(_ n: Int, school: String = "3133000001", grade: Int16 = 11, gender: Int16 = 1, status: Int16 = 1,
                        minutes: Int64 = 0, offset: Int64 = 0, row: Int32 = 0, partition: Int32 = 0,
                        localId: String? = nil, checked: UInt64 = 0, failed: UInt64 = 0) -> StandardRecord {
        var r = StandardRecord(type: .student, key: person(n), schoolCode: school, countyCode: countyOf[school] ?? "330106",
                               updatedAtMicros: micros(minutes: minutes),
                               position: SourcePosition(topic: "raw.student", partition: partition, offset: offset, row: row),
                               gender: gender, grade: grade, status: status, className: "1班",
                               localIdCode: localId.map { Digest32.sha256(Array($0.utf8)) }, sourceTimestampMs: 1_788_224_400_000)
        r.qualityChecked = checked
        r.qualityFailed = failed
        return r
    }

    static func teacher(_ n: Int, school: String = "3133000001", status: Int16 = 1, minutes: Int64 = 0, offset: Int64 = 0,
                        localId: String? = nil) -> StandardRecord {
        StandardRecord(type: .teacher, key: person(n), schoolCode: school, countyCode: countyOf[school] ?? "330106",
                       updatedAtMicros: micros(minutes: minutes),
                       position: SourcePosition(topic: "raw.teacher", partition: 0, offset: offset, row: 0),
                       gender: 2, status: status, localIdCode: localId.map { Digest32.sha256(Array($0.utf8)) })
    }

    static func attendance(school: String = "3133000001", day: Int32 = 20_697, grade: Int16 = 11, className: String = "1班",
                           expected: Int64, present: Int64, minutes: Int64 = 0, offset: Int64 = 0) -> StandardRecord {
        StandardRecord(type: .attendance, key: StandardRecord.attendanceKey(school: school, day: day, grade: grade, className: className),
                       schoolCode: school, countyCode: countyOf[school] ?? "330106", updatedAtMicros: micros(minutes: minutes),
                       position: SourcePosition(topic: "raw.attendance", partition: 0, offset: offset, row: 0),
                       grade: grade, day: day, className: className, expected: expected, present: present)
    }

    static func unit(offset: Int64, row: Int32 = 0, reason: QuarantineReason = .invalidCode, school: String? = "3133000001")
        -> QuarantineUnit {
        QuarantineUnit(position: SourcePosition(topic: "raw.student", partition: 0, offset: offset, row: row),
                       timestampMs: 1_788_224_400_000, recordType: .student, reason: reason, field: "XBM",
                       detail: "gender code not in table", schoolCode: school, raw: Array("{\"XBM\":\"7\"}".utf8), record: nil)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
