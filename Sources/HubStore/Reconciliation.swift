import HubCore
import Postgres
import Topology

/// Recomputes every published aggregate from `current_state` and lists the rows where the
/// incrementally maintained table differs. A correct pipeline reports none.
public struct Reconciliation: Sendable {
    public struct Difference: Sendable, CustomStringConvertible {
        public var table: String
        public var key: String
        public var maintained: [Int64]
        public var recomputed: [Int64]
        public var description: String { "\(table) \(key): maintained \(maintained), recomputed \(recomputed)" }
    }

    let schema: HubSchema
    let topology: Topology

    public init(schema: HubSchema, topology: Topology) {
        self.schema = schema
        self.topology = topology
    }

    public func differences(_ db: PGConnection) throws -> [Difference] {
        var out: [Difference] = []
        for stream in topology.streams {
            for def in stream.aggregates {
                let sql = AggregateTableSQL(schema: schema.name, definition: def, stream: stream)
                let r = try db.query(query(sql))
                let keyCount = sql.keyColumns.count
                let m = def.measures.count
                // Columns by position: the key columns, then each measure maintained, then recomputed
                // (the query coalesces both sides, so none is NULL).
                for row in r.rows {
                    let key = try (0..<keyCount).map { try row.decode(at: $0, as: String.self) }.joined(separator: "|")
                    let maintained = try (0..<m).map { try row.decode(at: keyCount + $0, as: Int64.self) }
                    let recomputed = try (0..<m).map { try row.decode(at: keyCount + m + $0, as: Int64.self) }
                    out.append(Difference(table: def.table, key: key, maintained: maintained, recomputed: recomputed))
                }
            }
        }
        return out
    }

    /// The current-state column behind a standard field.
    static func column(_ field: String) -> String {
        switch field {
        case "date": return "day"
        case "birth_date": return "birth_date"
        default: return field
        }
    }

    func query(_ sql: AggregateTableSQL) -> String {
        let def = sql.definition
        let s = schema.name
        let groups = def.groupBy.map { "\(Self.column($0.field)) AS \($0.column)" }
        let measureExprs = def.measures.map { m -> String in
            switch m.measure {
            case .count: return "count(*)::bigint AS \(m.column)"
            case .sum(let f): return "coalesce(sum(\(Self.column(f))), 0)::bigint AS \(m.column)"
            }
        }
        var filters = ["record_type = '\(def.recordType.rawValue)'"]
        for f in def.filter {
            filters.append("\(Self.column(f.field)) IN (\(f.codes.map(String.init).joined(separator: ", ")))")
        }
        for g in def.groupBy { filters.append("\(Self.column(g.field)) IS NOT NULL") }
        let regions: [(RegionLevel, String)] = [
            (.province, "'\(Region.province)'"), (.city, "substr(county_code, 1, 4) || '00'"),
            (.county, "county_code"), (.school, "school_code"),
        ]
        let groupList = groups.isEmpty ? "" : ", " + groups.joined(separator: ", ")
        let groupOrdinals = groups.isEmpty ? "" : ", " + (0..<groups.count).map { String($0 + 3) }.joined(separator: ", ")
        let measureList = measureExprs.joined(separator: ", ")
        let whereClause = filters.joined(separator: " AND ")
        var selects: [String] = []
        for (level, expr) in regions where def.levels.contains(level) {
            let select: String = "SELECT '\(level.rawValue)'::text AS level, \(expr) AS region_code\(groupList), \(measureList)"
            selects.append(select + " FROM \(s).current_state WHERE \(whereClause) GROUP BY 1, 2\(groupOrdinals)")
        }
        let keys = sql.keyColumns
        let measures = def.measures.map(\.column)
        let maintained = measures.map { "coalesce(a.\($0), 0)" }
        let recomputed = measures.map { "coalesce(r.\($0), 0)" }
        return """
            WITH r AS (\(selects.joined(separator: "\nUNION ALL\n")))
            SELECT \(keys.map { "coalesce(a.\($0), r.\($0))::text" }.joined(separator: ", ")),
                   \(maintained.joined(separator: ", ")), \(recomputed.joined(separator: ", "))
            FROM \(sql.qualified) a FULL OUTER JOIN r USING (\(keys.joined(separator: ", ")))
            WHERE \(zip(maintained, recomputed).map { "\($0) <> \($1)" }.joined(separator: " OR "))
            ORDER BY 1, 2
            """
    }
}
