import HubCore
import HubStore
import Postgres
import Testing
@testable import SinkCore

/// The state step against a real PostgreSQL: which version wins (SPEC §4), one row per
/// entity, and the slot maps never letting a duplicate in.
@Suite("Sink step: entity state", .serialized)
struct EntityStateStepTests {
    typealias F = SinkFixture

    /// The stored version of person `n` as `school|grade|offset|row`, one line per stored row.
    func stored(_ f: F, _ n: Int, type: String = "student") throws -> [String] {
        try f.lines("""
            SELECT school_code, grade, src_offset, src_row FROM hub.current_state
            WHERE record_type = '\(type)' AND entity_key = '\(F.person(n).hex)' ORDER BY src_offset
            """)
    }

    @Test("a newer version replaces; an older or equal one, redelivered or late, changes nothing")
    func newerWins() throws {
        let f = try F("state_newer")
        var s = try f.commit([F.student(1, grade: 11, minutes: 0, offset: 10)])
        #expect(s.created == 1 && s.stateChanges == 1 && s.staleVersions == 0)
        s = try f.commit([F.student(1, grade: 12, minutes: 5, offset: 11)])
        #expect(s.created == 0 && s.stateChanges == 1)
        #expect(try stored(f, 1) == ["3133000001|12|11|0"])
        // The older version arrives late; the current one is redelivered.
        s = try f.commit([F.student(1, grade: 13, minutes: 1, offset: 12)])
        #expect(s.stateChanges == 0 && s.staleVersions == 1)
        s = try f.commit([F.student(1, grade: 12, minutes: 5, offset: 11)])
        #expect(s.stateChanges == 0 && s.staleVersions == 0 && s.redeliveredCopies == 1)
        #expect(try stored(f, 1) == ["3133000001|12|11|0"])
    }

    @Test("equal updated-at: the later offset wins, then the later row; arrival order does not matter")
    func ties() throws {
        let f = try F("state_ties")
        // Later offset first, earlier offset after it: the later offset stays.
        try f.commit([F.student(1, grade: 14, offset: 21)])
        try f.commit([F.student(1, grade: 13, offset: 20)])
        #expect(try stored(f, 1) == ["3133000001|14|21|0"])
        // Same offset, rows 3 and 2, in one batch and in the opposite order in another entity.
        try f.commit([F.student(2, grade: 12, offset: 30, row: 3), F.student(2, grade: 11, offset: 30, row: 2)])
        try f.commit([F.student(3, grade: 11, offset: 30, row: 2)])
        try f.commit([F.student(3, grade: 12, offset: 30, row: 3)])
        #expect(try stored(f, 2) == ["3133000001|12|30|3"])
        #expect(try stored(f, 3) == ["3133000001|12|30|3"])
    }

    @Test("within one batch only the newest version of an entity counts")
    func newestInBatch() throws {
        let f = try F("state_batch")
        let s = try f.commit([F.student(1, grade: 11, minutes: 3, offset: 1), F.student(1, grade: 12, minutes: 9, offset: 2),
                              F.student(1, grade: 13, minutes: 6, offset: 3)])
        #expect(s.stateChanges == 1 && s.created == 1)
        #expect(try stored(f, 1) == ["3133000001|12|2|0"])
        #expect(try f.lines("SELECT students FROM hub.enrollment_agg WHERE level = 'province'") == ["1"])
    }

    @Test("after a restart the slot maps are reloaded: a replacement finds the stored row, never a second one")
    func restartKeepsOneRowPerEntity() throws {
        let f = try F("state_restart")
        try f.commit((1...50).map { F.student($0, offset: Int64($0)) })
        try f.restart()
        let s = try f.commit((1...50).map { F.student($0, grade: 12, minutes: 1, offset: 100 + Int64($0)) })
        #expect(s.created == 0 && s.stateChanges == 50)
        #expect(try f.lines("SELECT count(*), count(DISTINCT entity_key) FROM hub.entity_state") == ["50|50"])
        #expect(try f.lines("SELECT grade_code, students FROM hub.enrollment_agg WHERE level = 'province' AND students <> 0") == ["12|50"])
    }

    @Test("the slot map is loaded from the state: it holds every stored key, one slot per entity")
    func slotMapIsSeededFromTheState() throws {
        let f = try F("state_slots")
        try f.commit([F.student(7, offset: 1)])
        let p = F.person(7).partition(of: F.partitionCount)
        #expect(f.state.slots.mightContain(.student, partition: p, F.person(7)))
        #expect(!f.state.slots.mightContain(.student, partition: p, F.person(8)))
        // A fresh map loaded from the database knows it too, under the slot stored.
        let fresh = EntitySlots()
        try f.db.transaction { db in
            try fresh.load(db, schema: f.schema, partitions: [(.student, p)], partitionCounts: [.student: F.partitionCount])
        }
        var slots: [Int64] = []
        #expect(fresh.slots(.student, partition: p, F.person(7)) { slots.append($0) })
        #expect(try f.lines("SELECT slot FROM hub.entity_state") == slots.map(String.init))
        #expect(fresh.summary.keys == 1)
        #expect(!fresh.slots(.student, partition: p + 1, F.person(7)) { _ in })  // not loaded
    }

    @Test("a replaced version's slot leaves the map when the commit is durable; the new row gets a fresh slot")
    func replacedSlotsRetire() throws {
        let f = try F("state_retire")
        try f.commit((1...20).map { F.student($0, offset: Int64($0)) })
        let before = try f.lines("SELECT slot FROM hub.entity_state WHERE src_offset <= 10 ORDER BY slot")
        try f.commit((1...10).map { F.student($0, grade: 12, minutes: 1, offset: 100 + Int64($0)) })
        #expect(try f.lines("SELECT count(*), count(DISTINCT slot), count(DISTINCT entity_key) FROM hub.entity_state") == ["20|20|20"])
        // None of the replaced versions' slots is stored or mapped any more.
        let after = try f.lines("SELECT slot FROM hub.entity_state ORDER BY slot")
        #expect(before.count == 10 && Set(before).isDisjoint(with: after))
        #expect(f.state.slots.summary.keys == 20)
        // Slots follow write order: the replacements come after every first version.
        #expect(try f.lines("SELECT bool_and(slot > (SELECT max(slot) FROM hub.entity_state WHERE src_offset <= 20)) "
                            + "FROM hub.entity_state WHERE src_offset > 100") == ["t"])
    }

    @Test("a commit that fails after writing leaves slots naming nothing; the next one still finds the stored row")
    func failedCommitLeavesHarmlessSlots() throws {
        let f = try F("state_failed")
        try f.commit([F.student(1, offset: 1), F.student(2, offset: 2)])
        // Student 1 replaced and student 3 created inside a transaction that rolls back: the
        // map notes their new slots before COMMIT, as a real commit does.
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try f.db.transaction { db in
                _ = try EntityStateStep(schema: f.schema).apply(db, records: [F.student(1, grade: 13, minutes: 1, offset: 3),
                                                                          F.student(3, offset: 4)],
                                                                partitions: [F.person(1).partition(of: F.partitionCount),
                                                                             F.person(3).partition(of: F.partitionCount)],
                                                                slots: f.state.slots, storedAtMicros: 0)
                throw Abort()
            }
        }
        #expect(f.state.slots.summary.keys == 4)  // 1 (old and new), 2, 3 (never stored)
        let s = try f.commit([F.student(1, grade: 12, minutes: 2, offset: 5), F.student(3, offset: 6)])
        #expect(s.created == 1 && s.stateChanges == 2)
        #expect(try f.lines("SELECT count(*), count(DISTINCT entity_key) FROM hub.entity_state") == ["3|3"])
        #expect(try f.lines("SELECT grade_code, students FROM hub.enrollment_agg WHERE level = 'province' AND students <> 0 ORDER BY 1")
                == ["11|2", "12|1"])
        // The slots the rolled-back transaction drew were asked, found gone and retired with the old one.
        #expect(f.state.slots.summary.keys == 3)
    }

    @Test("a student and a teacher with the same person code are two entities")
    func typesAreSeparate() throws {
        let f = try F("state_types")
        try f.commit([F.student(5, offset: 1), F.teacher(5, offset: 1)])
        try f.commit([F.teacher(5, status: 0, minutes: 1, offset: 2)])
        #expect(try f.lines("SELECT record_type, status FROM hub.current_state ORDER BY 1") == ["student|1", "teacher|0"])
        #expect(try f.lines("SELECT teachers FROM hub.teacher_agg WHERE level = 'province'") == ["0"])
        #expect(try f.lines("SELECT students FROM hub.enrollment_agg WHERE level = 'province' AND students <> 0") == ["1"])
    }

    @Test("every column of a version is stored and read back as it was (probe round-trip)")
    func roundTrip() throws {
        let f = try F("state_roundtrip")
        var r = F.student(9, school: "3133000003", grade: 21, gender: 2, status: 2, minutes: 7, offset: 77, row: 4, partition: 3,
                          localId: "G1", checked: 0b1011, failed: 0b0010)
        r.birthDay = 17_900
        try f.commit([r])
        let changes = try f.db.transaction { db in
            try EntityStateStep(schema: f.schema).apply(db, records: [F.student(9, minutes: 8, offset: 78)], partitions: [0],
                                                         slots: EntitySlots(), storedAtMicros: 0)
        }
        let old = try #require(changes.replacements.first?.old)
        var expected = r
        expected.position.topic = ""
        #expect(old == expected)
    }
}
