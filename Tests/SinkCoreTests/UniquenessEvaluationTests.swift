import HubCore
import HubStore
import Postgres
import Testing
@testable import SinkCore

/// The uniqueness monitors, evaluated in bulk over the state the sink wrote and its claims log.
@Suite("Uniqueness evaluation", .serialized)
struct UniquenessEvaluationTests {
    typealias F = SinkFixture

    func evaluate(_ f: F) throws -> QualityEvaluation.Summary {
        // Day 2026-09-01 = 20697; the day-level monitors are not due for it at "now" 0.
        try QualityEvaluation(db: f.db, schema: f.schema, topology: f.topology).evaluate(from: 20_697, to: 20_697, nowMs: 0)
    }

    func results(_ f: F, _ monitor: String) throws -> [String] {
        try f.lines("SELECT school_code, day, checked, failed FROM hub.quality_results WHERE monitor = '\(monitor)' ORDER BY 1, 2")
    }

    @Test("a person enrolled at two schools is one conflict at each; a transfer-out report resolves it")
    func enrolledOnce() throws {
        let f = try F("uniq_enrolled")
        // P1 at A (08:00) then B (08:05) without A's report; P2 at A only; P3 at A then A reports
        // the transfer (08:03) and B enrols (08:05).
        try f.commit([F.student(1, school: "3133000001", offset: 1), F.student(2, school: "3133000001", offset: 2),
                      F.student(3, school: "3133000001", offset: 3)])
        try f.commit([F.student(1, school: "3133000002", minutes: 5, offset: 4)])
        try f.commit([F.student(3, school: "3133000001", status: 3, minutes: 3, offset: 5)])
        try f.commit([F.student(3, school: "3133000002", minutes: 5, offset: 6)])
        let summary = try evaluate(f)
        // A: P1 (conflict), P2 → 2 checked, 1 failed; B: P1 (conflict), P3 → 2, 1.
        #expect(try results(f, "student_enrolled_once") == ["3133000001|2026-09-01|2|1", "3133000002|2026-09-01|2|1"])
        // The monitor tolerates no failure (threshold 0): both schools' days breach, once.
        #expect(summary.alerts.filter { $0.monitor == "student_enrolled_once" }.map(\.school).sorted() == ["3133000001", "3133000002"])
        // Evaluating again gives the same rows and no new alert.
        #expect(try evaluate(f).alerts.isEmpty)
        #expect(try results(f, "student_enrolled_once") == ["3133000001|2026-09-01|2|1", "3133000002|2026-09-01|2|1"])
        // A reports P1 transferred out later: no conflict remains.
        try f.commit([F.student(1, school: "3133000001", status: 3, minutes: 2, offset: 7)])
        _ = try evaluate(f)
        #expect(try results(f, "student_enrolled_once") == ["3133000001|2026-09-01|1|0", "3133000002|2026-09-01|2|0"])
    }

    @Test("a registry number held by two persons is a conflict for both; a correction resolves it")
    func registryNumberUnique() throws {
        let f = try F("uniq_regno")
        try f.commit([F.student(1, school: "3133000001", offset: 1, localId: "G1"), F.student(2, school: "3133000003", offset: 2, localId: "G1"),
                      F.student(3, school: "3133000001", offset: 3, localId: "G3"), F.student(4, school: "3133000001", offset: 4)])
        _ = try evaluate(f)
        // School 1: P1 (conflict), P3 → 2, 1 (P4 holds no number); school 3: P2 → 1, 1.
        #expect(try results(f, "student_registry_no_unique") == ["3133000001|2026-09-01|2|1", "3133000003|2026-09-01|1|1"])
        try f.commit([F.student(2, school: "3133000003", minutes: 1, offset: 5, localId: "G2")])
        _ = try evaluate(f)
        #expect(try results(f, "student_registry_no_unique") == ["3133000001|2026-09-01|2|0", "3133000003|2026-09-01|1|0"])
    }

    @Test("while a record type's partitions are at different key generations its monitors keep their last results")
    func postponedDuringARekey() throws {
        let f = try F("uniq_rekey")
        try f.commit([F.student(1, school: "3133000001", offset: 1, localId: "G1"), F.student(2, school: "3133000003", offset: 2, localId: "G1"),
                      F.teacher(1, school: "3133000001", offset: 3, localId: "S1"), F.teacher(2, school: "3133000001", offset: 4, localId: "S1")])
        _ = try evaluate(f)
        #expect(try results(f, "student_registry_no_unique") == ["3133000001|2026-09-01|1|1", "3133000003|2026-09-01|1|1"])
        #expect(try results(f, "teacher_staff_no_unique") == ["3133000001|2026-09-01|2|2"])
        // Both conflicts corrected; then the students' partition 1 moves to key generation 2
        // while partition 0 is still at 1 (a re-key under way; no commit runs meanwhile).
        try f.commit([F.student(2, school: "3133000003", minutes: 1, offset: 5, localId: "G2"),
                      F.teacher(2, school: "3133000001", minutes: 1, offset: 6, localId: "S2")])
        try f.db.execute("""
            INSERT INTO hub.std_key_generations (record_type, partition, partitions, generation) VALUES (1, 0, 2, 1), (1, 1, 2, 2)
            ON CONFLICT (record_type, partition) DO UPDATE SET generation = EXCLUDED.generation
            """)
        let summary = try evaluate(f)
        let studentMonitors = f.topology.monitors.filter { $0.recordType == .student && $0.stage == .uniquenessEvaluation }.map(\.name)
        #expect(studentMonitors.contains("student_registry_no_unique"))
        #expect(summary.postponed == studentMonitors)
        #expect(try results(f, "student_registry_no_unique") == ["3133000001|2026-09-01|1|1", "3133000003|2026-09-01|1|1"])
        // The teachers' state is at one generation: evaluated, the correction counts.
        #expect(try results(f, "teacher_staff_no_unique") == ["3133000001|2026-09-01|2|0"])
        // The re-key done: the students are evaluated again.
        try f.db.execute("UPDATE hub.std_key_generations SET generation = 2 WHERE record_type = 1")
        #expect(try evaluate(f).postponed.isEmpty)
        #expect(try results(f, "student_registry_no_unique") == ["3133000001|2026-09-01|1|0", "3133000003|2026-09-01|1|0"])
    }

    @Test("a staff number is unique within a school only")
    func staffNumberPerSchool() throws {
        let f = try F("uniq_staff")
        try f.commit([F.teacher(1, school: "3133000001", offset: 1, localId: "S1"), F.teacher(2, school: "3133000001", offset: 2, localId: "S1"),
                      F.teacher(3, school: "3133000002", offset: 3, localId: "S1")])
        _ = try evaluate(f)
        #expect(try results(f, "teacher_staff_no_unique") == ["3133000001|2026-09-01|2|2", "3133000002|2026-09-01|1|0"])
    }
}
