import HubCore
import HubStore
import Postgres
import TestSupport
import Testing
@testable import SinkCore

/// The steps that follow the state: aggregates, quarantine, school regions, replays, the
/// claims log, quality results, and the offset fence. Expected rows are worked out by hand.
@Suite("Sink steps: aggregates, quarantine, regions, claims, quality, fence", .serialized)
struct DerivedStepTests {
    typealias F = SinkFixture

    @Test("a replaced version's contribution is retracted at every level; counts that reach zero stay as 0")
    func aggregatesRetract() throws {
        let f = try F("steps_agg")
        // P1 primary 1 male at school 1 (county 330106), then grade 2 at school 3 (county 330212).
        try f.commit([F.student(1, school: "3133000001", grade: 11), F.student(2, school: "3133000001", grade: 11, gender: 2)])
        try f.commit([F.student(1, school: "3133000003", grade: 12, minutes: 1, offset: 1)])
        let rows = try f.lines("""
            SELECT level, region_code, grade_code, gender_code, students FROM hub.enrollment_agg ORDER BY 1, 2, 3, 4
            """)
        #expect(rows == [
            "city|330100|11|1|0", "city|330100|11|2|1", "city|330200|12|1|1",
            "county|330106|11|1|0", "county|330106|11|2|1", "county|330212|12|1|1",
            "province|330000|11|1|0", "province|330000|11|2|1", "province|330000|12|1|1",
            "school|3133000001|11|1|0", "school|3133000001|11|2|1", "school|3133000003|12|1|1",
        ])
        // A suspended student stops counting; attendance sums expected and present per day.
        try f.commit([F.student(2, school: "3133000001", grade: 11, gender: 2, status: 2, minutes: 2, offset: 2)])
        #expect(try f.lines("SELECT sum(students) FROM hub.enrollment_agg WHERE level = 'province'") == ["1"])
        try f.commit([F.attendance(expected: 40, present: 38), F.attendance(className: "2班", expected: 35, present: 35)])
        try f.commit([F.attendance(expected: 40, present: 39, minutes: 1, offset: 1)])
        #expect(try f.lines("SELECT level, expected, present FROM hub.attendance_agg WHERE region_code IN ('330000', '3133000001') ORDER BY 1")
            == ["province|75|74", "school|75|74"])
    }

    @Test("a unit is stored once per source position; only first-time units are returned and counted")
    func quarantineOncePerPosition() throws {
        let f = try F("steps_quarantine")
        var s = try f.commit([], quarantine: [F.unit(offset: 1), F.unit(offset: 1), F.unit(offset: 1, row: 2)])
        #expect(s.newQuarantined == 2)
        #expect(s.redeliveredCopies == 1)
        // A batch mixing a stored position with a new one (units out of order), then one of
        // stored positions only: only the new unit is stored, with its raw bytes.
        s = try f.commit([], quarantine: [F.unit(offset: 3, reason: .malformed), F.unit(offset: 1, row: 2)])
        #expect(s.newQuarantined == 1)
        #expect(s.redeliveredCopies == 1)
        s = try f.commit([], quarantine: [F.unit(offset: 3, reason: .malformed), F.unit(offset: 1)])
        #expect(s.newQuarantined == 0)
        #expect(s.redeliveredCopies == 2)
        #expect(try f.lines("SELECT reason, records FROM hub.quarantine_counts ORDER BY 1") == ["invalid_code|2", "malformed|1"])
        #expect(try f.lines("SELECT src_offset, src_row FROM hub_private.quarantine_raw WHERE raw IS NOT NULL ORDER BY 1, 2")
            == ["1|0", "1|2", "3|0"])
        // A raw row held without its quarantine row (left by hand) does not stop the unit.
        _ = try f.query("""
            INSERT INTO hub_private.quarantine_raw (src_topic, src_partition, src_offset, src_row, raw)
            VALUES ('raw.student', 0, 9, 0, '\\x00')
            """)
        s = try f.commit([], quarantine: [F.unit(offset: 8), F.unit(offset: 9)])
        #expect(s.newQuarantined == 2)
        #expect(try f.lines("SELECT src_offset FROM hub.quarantine WHERE src_offset >= 8 ORDER BY 1") == ["8", "9"])
        #expect(try f.lines("SELECT src_offset, length(raw) FROM hub_private.quarantine_raw WHERE src_offset >= 8 ORDER BY 1")
            == ["8|11", "9|1"])
    }

    @Test("a replayed version resolves its quarantined unit; the count stays")
    func replayResolves() throws {
        let f = try F("steps_replay")
        try f.commit([], quarantine: [F.unit(offset: 5, row: 1, reason: .unknownSchool)])
        var replayed = F.student(4, offset: 5, row: 1)
        replayed.replayed = true
        try f.commit([replayed])
        #expect(try f.lines("SELECT reason, resolved_at IS NOT NULL FROM hub.quarantine") == ["unknown_school|t"])
        #expect(try f.lines("SELECT records FROM hub.quarantine_counts") == ["1"])
    }

    @Test("each school's county follows its latest record")
    func schoolRegions() throws {
        let f = try F("steps_regions")
        var moved = F.student(2, school: "3133000002", minutes: 5, offset: 2)
        moved.countyCode = "330212"
        try f.commit([F.student(1, school: "3133000002", offset: 1), moved])
        try f.commit([F.student(3, school: "3133000001", offset: 3)])
        #expect(try f.lines("SELECT school_code, county_code FROM hub.school_regions ORDER BY 1")
            == ["3133000001|330106", "3133000002|330212"])
    }

    @Test("only reports by a school other than the person's current one are logged as claims")
    func claimsLog() throws {
        let f = try F("steps_claims")
        // P1: A then B (a transfer without A's report); P2: A only, twice; P3: B, with a late older report by A.
        try f.commit([F.student(1, school: "3133000001", offset: 1), F.student(2, school: "3133000001", offset: 2),
                      F.student(3, school: "3133000002", minutes: 10, offset: 3)])
        try f.commit([F.student(1, school: "3133000002", minutes: 5, offset: 4), F.student(2, school: "3133000001", minutes: 5, offset: 5),
                      F.student(3, school: "3133000001", minutes: 1, offset: 6)])
        let rows = try f.lines("SELECT encode(entity_key, 'hex'), school_code, src_offset FROM hub.school_claims ORDER BY 3")
        #expect(rows == ["\(F.person(1).hex)|3133000001|1", "\(F.person(3).hex)|3133000001|6"])
    }

    @Test("per-record monitor results follow the state through the stable bits; quarantine monitors count new units")
    func qualityResults() throws {
        let f = try F("steps_quality")
        let bits = try MonitorBits.load(f.db, schema: f.schema)
        let names = try #require(bits.names[.student])
        let complete = try #require(names.firstIndex(of: "student_profile_complete"))
        let accepted = try #require(names.firstIndex(of: "student_record_accepted"))
        let c = UInt64(1) << UInt64(complete)
        // Day 2026-09-01: P1 incomplete, P2 complete; then P1's correction (complete).
        try f.commit([F.student(1, checked: c, failed: c), F.student(2, checked: c)])
        #expect(try f.lines("SELECT checked, failed FROM hub.quality_results WHERE monitor = 'student_profile_complete'") == ["2|1"])
        try f.commit([F.student(1, offset: 9, checked: c)])
        #expect(try f.lines("SELECT checked, failed FROM hub.quality_results WHERE monitor = 'student_profile_complete'") == ["2|0"])
        // One alert for the breach, raised when it happened and never again.
        #expect(try f.lines("SELECT monitor, school_code, day FROM hub.quality_alerts WHERE monitor = 'student_profile_complete'")
            == ["student_profile_complete|3133000001|2026-09-01"])
        // A quarantined invalid code is a failed unit of student_record_accepted, once per position.
        try f.commit([], quarantine: [F.unit(offset: 40)])
        try f.commit([], quarantine: [F.unit(offset: 40)])
        #expect(try f.lines("SELECT checked, failed FROM hub.quality_results WHERE monitor = 'student_record_accepted'") == ["1|1"])
        _ = accepted
    }

    @Test("masks named in another order are moved to the stable bits")
    func remapsByName() throws {
        let f = try F("steps_remap")
        let bits = try MonitorBits.load(f.db, schema: f.schema)
        let names = try #require(bits.names[.student]).filter { !$0.isEmpty }
        let reversed = Array(names.reversed())
        let remap = bits.remap(.student, declared: reversed)
        // Bit 0 of the message is the last monitor of the stable order.
        let stableOfLast = try #require(bits.names[.student]?.firstIndex(of: names[names.count - 1]))
        #expect(remap.apply(1) == UInt64(1) << UInt64(stableOfLast))
        #expect(bits.remap(.student, declared: bits.names[.student]?.filter { !$0.isEmpty } ?? []).apply(0b101) == 0b101)
        // A monitor this sink does not know is dropped.
        #expect(bits.remap(.student, declared: ["no_such_monitor"]).apply(1) == 0)
    }

    @Test("a zombie with stale offsets is refused and changes nothing")
    func fenceRefusesZombie() throws {
        let f = try F("steps_fence")
        try f.commit([F.student(1)])
        // A second connection (another sink instance) took over and committed partition p.
        let zombieOffsets = f.offsets
        try f.commit([F.student(2, offset: 2)])
        let before = try f.lines("SELECT count(*) FROM hub.entity_state")
        var batch = SinkBatch()
        let r = F.student(3, offset: 3)
        let p = r.key.partition(of: F.partitionCount)
        batch.append(r, partition: p)
        let k = StoredOffsets.key("std.student", p)
        batch.offsets = [OffsetAdvance(topic: "std.student", partition: p, expected: (zombieOffsets[k] ?? 0) - 1, next: 99)]
        let zombie = try PGConnection(conninfo: f.conninfo)
        let (committer, state) = try F.open(zombie, schema: f.schema, topology: f.topology)
        #expect(throws: FencedError.self) { try committer.commit(group: f.group, batch, slots: state.slots) }
        #expect(try f.lines("SELECT count(*) FROM hub.entity_state") == before)
        #expect(try f.lines("SELECT next_offset FROM hub.sink_offsets WHERE topic = 'std.student' AND partition = \(p)")
            == ["\(f.offsets[k] ?? -1)"])
    }
}
