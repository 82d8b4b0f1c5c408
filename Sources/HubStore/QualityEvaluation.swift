import Aggregation
import HubCore
import Postgres
import Topology

/// The monitors that judge whole days — a school that has not reported by a deadline, a
/// school whose volume leaves its own baseline — evaluated for a range of days from the
/// activity the sink records, and the uniqueness monitors, recomputed over the whole current
/// state (``UniquenessEvaluation``). Re-evaluating replaces results (idempotent); an alert is
/// raised once per breach.
public struct QualityEvaluation: HubTablesReader {
    public struct Summary: Sendable {
        public var monitors = 0
        public var days = 0
        public var checked: Int64 = 0
        public var failed: Int64 = 0
        public var alerts: [QualityAlert] = []
        /// Uniqueness monitors not evaluated because a re-key of their record type is under
        /// way (their last results stand).
        public var postponed: [String] = []
    }

    public let tables: HubTables

    public init(tables: HubTables) { self.tables = tables }

    /// The monitors one evaluation covers.
    public enum Scope: String, Sendable, CaseIterable {
        /// The day-level monitors for the days asked, and the uniqueness monitors.
        case all
        /// Only the day-level monitors (`daily_report`, `baseline`).
        case days
        /// Only the uniqueness monitors (over the whole current state).
        case uniqueness
    }

    /// Evaluates, in one transaction, every day-level monitor for the days `from...to` (days
    /// since the epoch) that are complete at `nowMs` (past the report deadline, or over for
    /// volume), and the uniqueness monitors over the whole current state.
    public func evaluate(from: Int32, to: Int32, nowMs: Int64, scope: Scope = .all) throws -> Summary {
        try db.transaction { db in
            var summary = Summary()
            if scope != .uniqueness {
                try evaluateDays(from: from, to: to, nowMs: nowMs, into: &summary)
            }
            if scope != .days {
                let uniqueness = try UniquenessEvaluation(db: db, schema: schema, topology: topology).evaluate()
                summary.monitors += topology.monitors.filter { $0.stage == .uniquenessEvaluation }.count - uniqueness.postponed.count
                summary.postponed = uniqueness.postponed
                summary.checked += uniqueness.rows.reduce(0) { $0 + $1.checked }
                summary.failed += uniqueness.rows.reduce(0) { $0 + $1.failed }
                summary.alerts += try QualityAlerts.raise(db, schema: schema, topology: topology, rows: uniqueness.rows)
            }
            return summary
        }
    }

    private func evaluateDays(from: Int32, to: Int32, nowMs: Int64, into summary: inout Summary) throws {
        let s = schema.name
        let schools = try db.query("SELECT school_code FROM \(s).school_regions ORDER BY 1").rows.map { try $0.decode("school_code", as: String.self) }
        var firstDays: [RecordType: [String: Int32]] = [:]
        for m in topology.monitors {
            guard let rule = m.rule as? any DayRule else { continue }
            summary.monitors += 1
            var results: [(key: QualityRowKey, checked: Int64, failed: Int64)] = []
            var evaluatedDays: [Int32] = []
            for day in from...max(from, to) where day <= to {
                guard let window = rule.window(for: day, nowMs: nowMs) else { continue }
                let firstDay = try firstDays[m.recordType] ?? firstReportedDays(m.recordType)
                firstDays[m.recordType] = firstDay
                let activity = try self.activity(m.recordType, days: window, firstReportedDay: firstDay)
                evaluatedDays.append(day)
                results += rule.evaluate(day: day, window: window, schools: schools, activity: activity).map {
                    (QualityRowKey(monitor: m.name, school: $0.school, day: $0.day), $0.checked, $0.failed)
                }
            }
            guard !evaluatedDays.isEmpty else { continue }
            summary.days += evaluatedDays.count
            try db.query("DELETE FROM \(s).quality_results WHERE monitor = $1 AND day - date '1970-01-01' = ANY($2::int[])",
                         [m.name, PGArrayLiteral.integers(evaluatedDays)])
            if !results.isEmpty {
                try db.query("""
                    INSERT INTO \(s).quality_results (monitor, school_code, day, checked, failed)
                    SELECT $1, school, date '1970-01-01' + d, c, f
                    FROM unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[]) AS x(school, d, c, f) ORDER BY 2, 3
                    """, [m.name, PGArrayLiteral.codes(results.map(\.key.school)),
                          PGArrayLiteral.integers(results.map(\.key.day)),
                          PGArrayLiteral.integers(results.map(\.checked)),
                          PGArrayLiteral.integers(results.map(\.failed))])
            }
            summary.checked += results.reduce(0) { $0 + $1.checked }
            summary.failed += results.reduce(0) { $0 + $1.failed }
            summary.alerts += try QualityAlerts.raise(db, schema: schema, topology: topology, rows: results)
        }
    }

    /// A record type's activity on `days` (current records and first arrival per school).
    private func activity(_ type: RecordType, days: [Int32], firstReportedDay: [String: Int32]) throws -> DayActivity {
        var activity = DayActivity(firstReportedDay: firstReportedDay)
        let r = try db.query("""
            SELECT school_code, day - date '1970-01-01' AS day, records,
                   (extract(epoch FROM first_arrival) * 1000)::bigint AS first_arrival_ms
            FROM \(schema.name).quality_activity WHERE record_type = $1 AND day - date '1970-01-01' = ANY($2::int[])
            """, [type.rawValue, PGArrayLiteral.integers(days)])
        for row in r.rows {
            let school: String = try row.decode("school_code")
            let day: Int32 = try row.decode("day")
            activity.records[school, default: [:]][day] = try row.decode("records")
            if let arrival = try row.decodeIfPresent("first_arrival_ms", as: Int64.self) {
                activity.firstArrivalMs[school, default: [:]][day] = arrival
            }
        }
        return activity
    }

    /// Each school's first day with current records of `type`.
    private func firstReportedDays(_ type: RecordType) throws -> [String: Int32] {
        let f = try db.query("""
            SELECT school_code, min(day) - date '1970-01-01' AS first_day FROM \(schema.name).quality_activity
            WHERE record_type = $1 AND records > 0 GROUP BY 1
            """, [type.rawValue])
        var firstDay: [String: Int32] = [:]
        for row in f.rows { firstDay[try row.decode("school_code")] = try row.decode("first_day") }
        return firstDay
    }
}

/// Keeps `quality_monitors` in step with the topology.
public enum QualityStore {
    static func syncMonitors(_ db: PGConnection, schema: HubSchema, topology: Topology) throws {
        for m in topology.monitors {
            try db.query("""
                INSERT INTO \(schema.name).quality_monitors (monitor, record_type, dimension, severity, rule, threshold, min_failed, description)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (monitor) DO UPDATE SET record_type = EXCLUDED.record_type, dimension = EXCLUDED.dimension,
                    severity = EXCLUDED.severity, rule = EXCLUDED.rule, threshold = EXCLUDED.threshold,
                    min_failed = EXCLUDED.min_failed, description = EXCLUDED.description, updated_at = now()
                """, bind: m.name, m.recordType.rawValue, m.dimension.rawValue, m.severity.rawValue, m.ruleName, m.threshold,
                     m.minFailed, m.description)
        }
        try assignBits(db, schema: schema, topology: topology)
    }

    /// Gives every monitor without a mask bit the bit of its position in its stream when that
    /// bit is free for its record type (what masks written before stable bits meant), else the
    /// lowest free bit. A bit, once given, stays with its monitor, even after the monitor
    /// leaves the topology, so masks stored with the state keep their meaning.
    static func assignBits(_ db: PGConnection, schema: HubSchema, topology: Topology) throws {
        let rows = try db.query("SELECT monitor, record_type, bit FROM \(schema.name).quality_monitors").rows
        var used: [String: Set<Int16>] = [:]
        var assigned: Set<String> = []
        for row in rows {
            guard let bit = try row.decodeIfPresent("bit", as: Int16.self) else { continue }
            used[try row.decode("record_type", as: String.self), default: []].insert(bit)
            assigned.insert(try row.decode("monitor", as: String.self))
        }
        for stream in topology.streams {
            let type = stream.recordType.rawValue
            for (i, m) in stream.monitors.enumerated() where !assigned.contains(m.name) {
                var bit = Int16(clamping: i)
                if bit >= 64 || used[type, default: []].contains(bit) {
                    guard let free = (0..<Int16(64)).first(where: { !used[type, default: []].contains($0) }) else {
                        throw PGError(message: "record type \(type) has used all 64 quality mask bits; retire unused monitors")
                    }
                    bit = free
                }
                used[type, default: []].insert(bit)
                try db.query("UPDATE \(schema.name).quality_monitors SET bit = $2 WHERE monitor = $1", bind: m.name, bit)
            }
        }
    }
}
