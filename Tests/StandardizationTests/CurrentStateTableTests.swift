import Aggregation
import HubCore
import Testing

/// SPEC §4 "Current state" on the in-memory table (`hubctl topology test`, reconciliation):
/// the latest *updated at* wins whatever the arrival order; equal times within a partition
/// are ordered by offset, then row; a redelivered copy changes nothing.
@Suite("Current-state table")
struct CurrentStateTableTests {
    static let t0: Int64 = 1_788_220_800_000_000  // 2026-09-01T00:00:00Z in microseconds

    func version(_ key: String = "p1", at micros: Int64 = t0, partition: Int32 = 0, offset: Int64, row: Int32 = 0,
                 grade: Int16 = 11, type: RecordType = .student) -> StandardRecord {
        StandardRecord(type: type, key: Digest32.sha256(Array(key.utf8)), schoolCode: "3133000001", countyCode: "330106", updatedAtMicros: micros,
                       position: SourcePosition(topic: "raw.student", partition: partition, offset: offset, row: row),
                       gender: 1, grade: grade, status: 1)
    }

    @Test func aNewEntityIsAdded() {
        var table = CurrentStateTable()
        let first = version(offset: 0)
        let replaced = table.apply(first)
        #expect(replaced == .some(nil))
        #expect(table.entities.count == 1 && table.entities.values.first == first)
    }

    @Test func aLaterUpdatedAtWinsWhateverTheArrivalOrder() {
        var inOrder = CurrentStateTable(), reversed = CurrentStateTable()
        let older = version(at: Self.t0, offset: 5, grade: 11), newer = version(at: Self.t0 + 1, offset: 2, grade: 12)
        inOrder.apply(older)
        #expect(inOrder.apply(newer) == .some(older))
        reversed.apply(newer)
        #expect(reversed.apply(older) == nil, "an older version arriving later changes nothing")
        #expect(inOrder.entities.values.first?.grade == 12 && reversed.entities.values.first?.grade == 12)
    }

    @Test func equalUpdatedAtTheLaterOffsetWins() {
        var table = CurrentStateTable()
        let earlier = version(offset: 3, grade: 11), later = version(offset: 4, grade: 12)
        table.apply(earlier)
        #expect(table.apply(later) == .some(earlier))
        var reversed = CurrentStateTable()
        reversed.apply(later)
        #expect(reversed.apply(earlier) == nil)
        #expect(table.entities.values.first?.grade == 12 && reversed.entities.values.first?.grade == 12)
    }

    @Test func equalUpdatedAtAndOffsetTheLaterRowWins() {
        var table = CurrentStateTable()
        let line1 = version(offset: 7, row: 1, grade: 11), line2 = version(offset: 7, row: 2, grade: 12)
        table.apply(line2)
        #expect(table.apply(line1) == nil)
        #expect(table.entities.values.first?.grade == 12)
        #expect(table.entities.values.first?.position.row == 2)
    }

    @Test func theOffsetOutranksTheRow() {
        var table = CurrentStateTable()
        table.apply(version(offset: 8, row: 1, grade: 12))
        #expect(table.apply(version(offset: 7, row: 9, grade: 11)) == nil)
        #expect(table.entities.values.first?.grade == 12)
    }

    @Test func aRedeliveredCopyChangesNothing() {
        var table = CurrentStateTable()
        let v = version(offset: 3)
        table.apply(v)
        #expect(table.apply(v) == nil)
        #expect(table.entities.count == 1)
    }

    @Test func aStudentAndATeacherWithTheSameKeyAreTwoEntities() {
        var table = CurrentStateTable()
        table.apply(version("same", offset: 1))
        #expect(table.apply(version("same", offset: 1, type: .teacher)) == .some(nil))
        #expect(table.entities.count == 2)
    }
}
