import DataServices
import Foundation
import Postgres

/// The published tables whose small cells are suppressed for non-operators.
enum SuppressedMeasure: String, Sendable, CaseIterable {
    case students, teachers, attendanceExpected, attendancePresent

    /// The SELECT of the exact table (hub-api's own login): region, coordinates…, count.
    func exactQuery(_ schema: String) -> String {
        switch self {
        case .students: "SELECT region_code, grade_code, gender_code, students FROM \(schema).enrollment_agg WHERE students <> 0"
        case .teachers: "SELECT region_code, teachers FROM \(schema).teacher_agg WHERE teachers <> 0"
        case .attendanceExpected:
            "SELECT region_code, day - date '2000-01-01', expected FROM \(schema).attendance_agg WHERE expected <> 0"
        case .attendancePresent:
            "SELECT region_code, day - date '2000-01-01', present FROM \(schema).attendance_agg WHERE present <> 0"
        }
    }

    /// Grade and gender have published margins (a region's total); days are not summed.
    var summable: [Bool] {
        switch self {
        case .students: [true, true]
        case .teachers: []
        case .attendanceExpected, .attendancePresent: [false]
        }
    }
}

/// The suppression pattern of each table, computed from the whole exact table (so it does
/// not depend on who asks or how they filter) and recomputed when a request meets a figure
/// the pattern was not computed from. One computation per table at a time.
actor SuppressionCache {
    private let pool: DatabasePool
    private let schema: String
    private let k: Int
    private var tables: [SuppressedMeasure: SuppressedTable] = [:]
    private var inflight: [SuppressedMeasure: Task<SuppressedTable, Error>] = [:]

    init(pool: DatabasePool, schema: String, k: Int) {
        self.pool = pool
        self.schema = schema
        self.k = k
    }

    /// Whether each cell is suppressed, given the exact value the request read. A value the
    /// pattern was not computed from triggers one recomputation; if it still differs (the
    /// table changed again meanwhile) the cell is suppressed, which never helps a recovery.
    func decide(_ measure: SuppressedMeasure, _ cells: [(key: CellKey, value: Int64)]) async throws -> [Bool] {
        var table = try await current(measure, refresh: false)
        if cells.contains(where: { $0.value != 0 && table.values[$0.key] != $0.value }) {
            table = try await current(measure, refresh: true)
        }
        return cells.map { cell in
            guard cell.value != 0 else { return false }
            guard table.values[cell.key] == cell.value else { return true }
            return table.isSuppressed(cell.key)
        }
    }

    /// The pattern as last computed (for the console's totals), computing it if needed.
    func table(_ measure: SuppressedMeasure) async throws -> SuppressedTable {
        try await current(measure, refresh: false)
    }

    private func current(_ measure: SuppressedMeasure, refresh: Bool) async throws -> SuppressedTable {
        if !refresh, let t = tables[measure] { return t }
        if let running = inflight[measure] { return try await running.value }
        let pool = self.pool, schema = self.schema, k = self.k
        let task = Task { () throws -> SuppressedTable in
            let sql = measure.exactQuery(schema)
            // The table and the school → county map from one snapshot: a school missing from
            // the map would have no equation tying it to its county.
            let (base, schoolCounty) = try await pool.run { db -> ([CellKey: Int64], [String: String]) in
                try db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                defer { try? db.execute("COMMIT") }
                let sr = try db.query("SELECT school_code, county_code FROM \(schema).school_regions")
                var schoolCounty: [String: String] = [:]
                for row in sr.rows { schoolCounty[try row.decode("school_code")] = try row.decode("county_code", as: String.self) }
                let r = try db.query(sql)
                var base: [CellKey: Int64] = [:]
                base.reserveCapacity(r.rowCount)
                let width = r.columnNames.count
                // Columns by position: the region, the cell's coordinates, the measure.
                for row in r.rows {
                    let coordinates = try (1..<(width - 1)).map { try row.decode(at: $0, as: Int64.self) }
                    base[CellKey(region: try row.decode(at: 0), coordinates: coordinates)] = try row.decode(at: width - 1, as: Int64.self)
                }
                return (base, schoolCounty)
            }
            var directory = NameDirectory.empty
            directory.schoolCounty = schoolCounty
            return SuppressedTable(base: base, parent: { directory.parent(of: $0) }, summable: measure.summable, k: k)
        }
        inflight[measure] = task
        defer { inflight[measure] = nil }
        let table = try await task.value
        tables[measure] = table
        return table
    }
}
