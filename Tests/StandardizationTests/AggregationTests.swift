import Aggregation
import HubCore
import Standardization
import Testing

@Suite("Aggregate deltas")
struct AggregationTests {
    @Test func enrolledStudentCountsAtFourLevels() throws {
        let fields: [(String, RawValue)] = [
            ("XXBSM", .string("3133000001")), ("XBM", .string("1")), ("SFZJH", .string(IDs.a)), ("NJDM", .string("11")),
            ("XJZT", .string("1")), ("GXSJ", .string("2026-09-01 08:00:00")),
        ]
        guard case .standard(let r) = Fixtures.run(.student, fields) else { Issue.record("quarantined"); return }
        var deltas = AggregateDeltas(definitions: Fixtures.topology.stream(for: .student)!.aggregates)
        try deltas.replace(nil, with: r)
        let rows = deltas.nonZero
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0.deltas == [1] && $0.key.groups == [11, 1] })
        #expect(Set(rows.map(\.key.region)) == ["330000", "330100", "330106", "3133000001"])
    }
}

@Suite("Aggregate deltas across record types")
struct MixedAggregationTests {
    @Test func eachRecordTypeFeedsOnlyItsOwnAggregates() throws {
        let all = Fixtures.topology.streams.flatMap(\.aggregates)
        let fields: [(String, RawValue)] = [
            ("XXBSM", .string("3133000001")), ("XBM", .string("1")), ("SFZJH", .string(IDs.a)), ("NJDM", .string("11")),
            ("XJZT", .string("1")), ("GXSJ", .string("2026-09-01 08:00:00")),
        ]
        guard case .standard(let r) = Fixtures.run(.student, fields) else { Issue.record("quarantined"); return }
        var deltas = AggregateDeltas(definitions: all)
        try deltas.replace(nil, with: r)
        #expect(Set(deltas.nonZero.map(\.key.table)) == ["enrollment_agg"])
        #expect(deltas.nonZero.count == 4)
    }
}
