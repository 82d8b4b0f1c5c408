import DataServices
import Foundation
import HubCore
import HubStore
import Postgres

/// One published aggregate table as the API reads it: key columns after (level, region),
/// the measures, and which suppression pattern each measure follows.
struct AggregateTable: Sendable {
    var table: String
    /// Columns after region_code; `day` is read as text and keyed by its day number.
    var dimensions: [String]
    var measures: [(column: String, suppression: SuppressedMeasure)]

    static let enrollment = AggregateTable(table: "enrollment_agg", dimensions: ["grade_code", "gender_code"],
                                           measures: [("students", .students)])
    static let teachers = AggregateTable(table: "teacher_agg", dimensions: [], measures: [("teachers", .teachers)])
    static let attendance = AggregateTable(table: "attendance_agg", dimensions: ["day"],
                                           measures: [("expected", .attendanceExpected), ("present", .attendancePresent)])

    var cursorFields: Int { 2 + dimensions.count }
}

/// A row as published: exact measures, or nil where suppressed.
struct PublishedRow: Sendable {
    var level: String
    var region: String
    var dimensions: [String]
    var measures: [Int64?]
    var suppressed: Bool
}

struct PublishedPage: Sendable {
    var rows: [PublishedRow]
    var nextCursor: String?
    var suppressedCells: Int
}

/// Reads a page of an aggregate table under the client's role (row-level security decides
/// the rows), then applies the suppression pattern for non-operators.
struct AggregateReader: Sendable {
    let service: DataService

    /// Rough bytes of one published row, to cut a page under the response size cap.
    static let rowBytesEstimate = 240

    func page(_ t: AggregateTable, _ f: RequestFilters, client: APIClient) async throws -> PublishedPage {
        let schema = service.schema.name
        let limit = max(1, min(f.limit, service.settings.maxResponseBytes / Self.rowBytesEstimate))
        var conditions: [String] = []
        var params: [String?] = []
        func param(_ v: String?, _ cast: String = "text") -> String {
            params.append(v)
            return "$\(params.count)::\(cast)"
        }
        if let level = f.level { conditions.append("level = \(param(level.rawValue))") }
        if let region = f.region, let regionLevel = RegionLevel.of(region) {
            let level = f.level ?? regionLevel
            if level == regionLevel {
                conditions.append("region_code = \(param(region))")
            } else if regionLevel == .province {
                // every region of the level: nothing to add
            } else if level == .county {
                conditions.append("left(region_code, 4) = left(\(param(region)), 4)")
            } else {
                let schools = await service.names().schools(in: region)
                conditions.append("region_code = ANY(\(param(PGArrayLiteral.text(schools), "text[]")))")
            }
        }
        if let g = f.grade, t.dimensions.contains("grade_code") { conditions.append("grade_code = \(param(String(g), "smallint"))") }
        if let g = f.gender, t.dimensions.contains("gender_code") { conditions.append("gender_code = \(param(String(g), "smallint"))") }
        if let from = f.from, t.dimensions.contains("day") { conditions.append("day >= \(param(from, "date"))") }
        if let to = f.to, t.dimensions.contains("day") { conditions.append("day <= \(param(to, "date"))") }
        conditions.append("(" + t.measures.map { "\($0.column) <> 0" }.joined(separator: " OR ") + ")")
        let keyColumns = ["level", "region_code"] + t.dimensions
        if let cursor = f.cursor {
            for (value, column) in zip(cursor.dropFirst(2), t.dimensions) {
                let ok = column == "day" ? (try? RequestFilters.day(value, "cursor")) != nil : Int16(value) != nil
                guard ok, RegionLevel(rawValue: cursor[0]) != nil else {
                    throw FilterError("cursor", "cursor is not one this endpoint gave out; pass meta.next_cursor of the previous page unchanged")
                }
            }
            let casts = ["text", "text"] + t.dimensions.map { $0 == "day" ? "date" : "smallint" }
            let values = zip(cursor, casts).map { param($0.0, $0.1) }
            conditions.append("(\(keyColumns.joined(separator: ", "))) > (\(values.joined(separator: ", ")))")
        }
        let selected = ["level", "region_code"] + t.dimensions.map { $0 == "day" ? "day::text" : "\($0)::text" }
            + t.measures.map(\.column) + (t.dimensions.contains("day") ? ["day - date '2000-01-01'"] : [])
        let sql = """
            SELECT \(selected.joined(separator: ", ")) FROM \(schema).\(t.table)
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(keyColumns.joined(separator: ", ")) LIMIT \(limit + 1)
            """
        let finalParams = params
        let (dimensionCount, measureCount, hasDay) = (t.dimensions.count, t.measures.count, t.dimensions.contains("day"))
        let raw = try await service.asClient(client) { db -> [(PublishedRow, [Int64])] in
            try db.query(sql, finalParams).rows.map {
                try Self.publishedRow($0, dimensions: dimensionCount, measures: measureCount, hasDay: hasDay)
            }
        }
        let more = raw.count > limit
        var rows = Array(raw.prefix(limit))
        var suppressedCells = 0
        if !client.isOperator {
            for (m, measure) in t.measures.enumerated() {
                let cells = rows.map { (key: CellKey(region: $0.0.region, coordinates: $0.1), value: $0.0.measures[m] ?? 0) }
                let hidden = try await service.suppression.decide(measure.suppression, cells)
                for (i, hide) in hidden.enumerated() where hide {
                    rows[i].0.measures[m] = nil
                    rows[i].0.suppressed = true
                    suppressedCells += 1
                }
            }
        }
        let next = more ? rows.last.map { KeysetCursor.encode([$0.0.level, $0.0.region] + $0.0.dimensions) } : nil
        return PublishedPage(rows: rows.map(\.0), nextCursor: next, suppressedCells: suppressedCells)
    }
}

extension AggregateReader {
    /// One row by position: level, region, the dimensions (never NULL: aggregates group only
    /// records that have them), the measures, then the day's number when there is a day; with
    /// the cell's coordinates for suppression.
    static func publishedRow(_ row: PGRow, dimensions: Int, measures: Int, hasDay: Bool) throws -> (PublishedRow, [Int64]) {
        let dims = try (0..<dimensions).map { try row.decode(at: 2 + $0, as: String.self) }
        let values = try (0..<measures).map { try row.decode(at: 2 + dimensions + $0, as: Int64.self) }
        let coordinates: [Int64] = hasDay ? [try row.decode(at: 2 + dimensions + measures)] : dims.map { Int64($0) ?? 0 }
        return (PublishedRow(level: try row.decode("level"), region: try row.decode("region_code"), dimensions: dims,
                             measures: values.map { Optional($0) }, suppressed: false), coordinates)
    }
}
