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

    @Test func schoolsInterleavedKeepTheirOwnRows() throws {
        func student(_ school: String, _ n: Int, grade: String) throws -> StandardRecord {
            guard let id = IdNumber.completing("11010520100101\(100 + n)") else { throw Quarantined() }
            let fields: [(String, RawValue)] = [
                ("XXBSM", .string(school)), ("XBM", .string("1")), ("SFZJH", .string(id)), ("NJDM", .string(grade)),
                ("XJZT", .string("1")), ("GXSJ", .string("2026-09-01 08:00:00")),
            ]
            guard case .standard(let r) = Fixtures.run(.student, fields) else { throw Quarantined() }
            return r
        }
        struct Quarantined: Error {}
        var deltas = AggregateDeltas(definitions: Fixtures.topology.stream(for: .student)!.aggregates)
        // Runs of one school, then back to the first: the batch's place numbering must not mix them.
        try deltas.replace(nil, with: student("3133000001", 1, grade: "11"))
        try deltas.replace(nil, with: student("3133000001", 2, grade: "12"))
        try deltas.replace(nil, with: student("3133000002", 3, grade: "11"))
        try deltas.replace(nil, with: student("3133000001", 4, grade: "11"))
        let school = Dictionary(deltas.nonZero.filter { $0.key.level == .school }.map { ("\($0.key.region) \($0.key.groups)", $0.deltas) },
                                uniquingKeysWith: { a, _ in a })
        #expect(school == ["3133000001 [11, 1]": [2], "3133000001 [12, 1]": [1], "3133000002 [11, 1]": [1]])
        deltas.removeAll()
        #expect(deltas.nonZero.isEmpty)
        try deltas.replace(nil, with: student("3133000002", 5, grade: "12"))
        #expect(deltas.nonZero.filter { $0.key.level == .school }.map(\.key.region) == ["3133000002"])
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
