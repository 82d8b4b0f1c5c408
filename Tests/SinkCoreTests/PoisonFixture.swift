import Foundation
import HubCore
import HubStore
import Postgres
import TestSupport
import SinkCore
import Topology

/// A fresh database migrated with the shipped topology, a sink committer on it (one std
/// partition), and builders for standard records written plainly (the sink's input, without
/// going through Transform).
struct PoisonFixture {
    static let topology: Topology = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        do {
            return try TopologyLoader.load(directory: url.path + "/Topologies")
        } catch {
            fatalError("the shipped topology does not load: \(error)")
        }
    }()

    static let schools = ["3133000001": "330106", "3133000002": "330212", "3133000003": "330782"]
    static let schoolCodes = schools.keys.sorted()
    static let group = "hub-sink"
    static let stdTopic = "std.mixed"

    let db: PGConnection
    let schema = HubSchema(name: "hub")
    let committer: SinkCommitter
    let state: SinkPartitionState

    init(_ name: String) throws {
        db = try PGConnection(conninfo: TestServices.createDatabase(prefix: name))
        try schema.migrate(db, topology: Self.topology)
        committer = SinkCommitter(db: db, schema: schema, topology: Self.topology, bits: try MonitorBits.load(db, schema: schema))
        state = SinkPartitionState(db: db, schema: schema, stdTopics: [Self.stdTopic: .student], partitionCounts: [.student: 1])
        _ = try state.loadOffsets(group: Self.group, partitions: [(Self.stdTopic, 0)])
    }

    func commit(_ batch: SinkBatch) throws -> SinkCommitSummary {
        try committer.commit(group: Self.group, batch, slots: state.slots)
    }

    /// A batch consuming `count` messages from offset `from` of the one std partition.
    static func batch(_ records: [StandardRecord], _ quarantine: [QuarantineUnit] = [], from: Int64, count: Int64) -> SinkBatch {
        var b = SinkBatch()
        for r in records { b.append(r, partition: 0) }
        b.quarantine = quarantine
        b.offsets = [OffsetAdvance(topic: stdTopic, partition: 0, expected: from, next: from + count)]
        return b
    }

    static func key(_ person: Int) -> Digest32 { Digest32(w0: 0, w1: 0, w2: 0, w3: UInt64(person)) }

    static func student(_ person: Int, school: String, micros: Int64, offset: Int64, status: Int16 = 1, grade: Int16 = 11,
                        gender: Int16 = 1, localId: String? = nil, checked: UInt64 = 0, failed: UInt64 = 0) -> StandardRecord {
        var r = StandardRecord(type: .student, key: Self.key(person), schoolCode: school,
                               countyCode: schools[school] ?? "330106", updatedAtMicros: micros,
                               position: SourcePosition(topic: "raw.student", partition: 0, offset: offset, row: 0),
                               gender: gender, grade: grade, status: status, localIdCode: localId.map { Digest32.sha256(Array($0.utf8)) },
                               sourceTimestampMs: 1_788_228_000_000 + offset)
        r.qualityChecked = checked
        r.qualityFailed = failed & checked
        return r
    }

    static func teacher(_ person: Int, school: String, micros: Int64, offset: Int64, active: Bool) -> StandardRecord {
        StandardRecord(type: .teacher, key: Self.key(person), schoolCode: school,
                       countyCode: schools[school] ?? "330106", updatedAtMicros: micros,
                       position: SourcePosition(topic: "raw.teacher", partition: 0, offset: offset, row: 0),
                       gender: 2, status: active ? 1 : 0, sourceTimestampMs: 1_788_228_000_000 + offset)
    }

    static func attendance(school: String, day: Int32, className: String, expected: Int64, present: Int64, micros: Int64,
                           offset: Int64, row: Int32 = 0) -> StandardRecord {
        StandardRecord(type: .attendance, key: StandardRecord.attendanceKey(school: school, day: day, grade: 11, className: className),
                       schoolCode: school, countyCode: schools[school] ?? "330106", updatedAtMicros: micros,
                       position: SourcePosition(topic: "raw.attendance", partition: 1, offset: offset, row: row),
                       grade: 11, day: day, className: className, expected: expected, present: present,
                       sourceTimestampMs: 1_788_228_000_000 + offset)
    }

    static func unit(offset: Int64, reason: QuarantineReason, field: String? = "XBM", detail: String = "gender value not in code table",
                     school: String? = "3133000001") -> QuarantineUnit {
        QuarantineUnit(position: SourcePosition(topic: "raw.student", partition: 2, offset: offset, row: 1),
                       timestampMs: 1_788_228_000_000, recordType: .student, reason: reason, field: field, detail: detail,
                       schoolCode: school, raw: Array("{\"XM\":\"张三\"}".utf8), record: nil)
    }

    // MARK: reading back

    func rows(_ sql: String) throws -> [String] {
        let r = try db.query(sql)
        return (0..<r.rowCount).map { i in (0..<r.columnNames.count).map { r.value(i, $0) ?? "∅" }.joined(separator: "|") }
    }

    /// `level|region|grade|gender` → students (non-zero rows).
    func enrollment() throws -> [String: Int64] {
        try map("SELECT level || '|' || region_code || '|' || grade_code || '|' || gender_code, students FROM hub.enrollment_agg WHERE students <> 0")
    }

    func teachers() throws -> [String: Int64] {
        try map("SELECT level || '|' || region_code, teachers FROM hub.teacher_agg WHERE teachers <> 0")
    }

    /// `level|region|day` → "expected/present".
    func attendance() throws -> [String: String] {
        let r = try db.query("""
            SELECT level || '|' || region_code || '|' || day, expected::text || '/' || present::text
            FROM hub.attendance_agg WHERE expected <> 0 OR present <> 0
            """)
        var out: [String: String] = [:]
        for i in 0..<r.rowCount { out[r.value(i, 0) ?? ""] = r.value(i, 1) }
        return out
    }

    private func map(_ sql: String) throws -> [String: Int64] {
        let r = try db.query(sql)
        var out: [String: Int64] = [:]
        for i in 0..<r.rowCount { out[r.value(i, 0) ?? ""] = Int64(r.value(i, 1) ?? "") }
        return out
    }

    /// Everything the sink derives from its input that must not depend on how a batch was cut:
    /// state, non-zero aggregates, quality counts, claims, activity, regions and quarantine rows.
    func derivedState(excludingQuarantineAt excluded: Set<SourcePosition> = []) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        out["current_state"] = try rows("""
            SELECT record_type, entity_key, school_code, county_code, updated_at_us, src_topic, src_partition, src_offset, src_row,
                   gender, grade, status, day, class_name, expected, present, birth_date, local_id_code, source_time, q_checked, q_failed
            FROM hub.current_state ORDER BY 1, 2
            """)
        out["enrollment_agg"] = try rows("SELECT level, region_code, grade_code, gender_code, students FROM hub.enrollment_agg WHERE students <> 0 ORDER BY 1, 2, 3, 4")
        out["teacher_agg"] = try rows("SELECT level, region_code, teachers FROM hub.teacher_agg WHERE teachers <> 0 ORDER BY 1, 2")
        out["attendance_agg"] = try rows("SELECT level, region_code, day, expected, present FROM hub.attendance_agg WHERE expected <> 0 OR present <> 0 ORDER BY 1, 2, 3")
        out["quality_results"] = try rows("SELECT monitor, school_code, day, checked, failed FROM hub.quality_results WHERE checked <> 0 OR failed <> 0 ORDER BY 1, 2, 3")
        // The uniqueness monitors' results, from the state and the claims log.
        _ = try QualityEvaluation(db: db, schema: schema, topology: Self.topology).evaluate(from: 20_697, to: 20_697, nowMs: 0)
        out["uniqueness_results"] = try rows("""
            SELECT q.monitor, school_code, day, checked, failed FROM hub.quality_results q JOIN hub.quality_monitors m USING (monitor)
            WHERE m.rule IN ('one_school_per_person', 'unique_local_id') AND (checked <> 0 OR failed <> 0) ORDER BY 1, 2, 3
            """)
        out["quality_activity"] = try rows("SELECT record_type, school_code, day, records, first_arrival FROM hub.quality_activity WHERE records <> 0 ORDER BY 1, 2, 3")
        out["school_regions"] = try rows("SELECT school_code, county_code FROM hub.school_regions ORDER BY 1")
        out["quarantine"] = try rows("""
            SELECT src_topic, src_partition, src_offset, src_row, reason, coalesce(field, '-'), coalesce(school_code, '-')
            FROM hub.quarantine ORDER BY 1, 2, 3, 4
            """).filter { row in
                !excluded.contains { row.hasPrefix("\($0.topic)|\($0.partition)|\($0.offset)|\($0.row)|") }
            }
        return out
    }
}
