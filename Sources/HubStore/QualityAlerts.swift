import Aggregation
import Foundation
import HubCore
import Postgres
import Topology

/// A breach of a monitor's threshold on one school's day.
public struct QualityAlert: Sendable, Equatable {
    public var monitor: String
    public var severity: String
    public var dimension: String
    public var school: String
    /// `YYYY-MM-DD`.
    public var day: String
    public var checked: Int64
    public var failed: Int64
    public var threshold: Double

    /// The alerts topic's message key: one breach, one key.
    public var key: String { "\(monitor)|\(shownSchool)|\(day)" }

    /// The school as alerts and logs show it: a school code, empty, or the placeholder.
    public var shownSchool: String { SchoolCode.dimension(school) ?? "" }

    /// The alerts topic's JSON value (codes only; no personal data), written by a JSON
    /// encoder: whatever a field holds, the message parses.
    public var json: [UInt8] {
        struct Message: Encodable {
            var source = "quality"
            var monitor, severity, dimension, school_code, day: String
            var checked, failed: Int64
            var threshold: Double
        }
        return AlertJSON.encode(Message(monitor: monitor, severity: severity, dimension: dimension, school_code: shownSchool, day: day,
                                        checked: checked, failed: failed, threshold: threshold.isFinite ? threshold : 0))
    }
}

/// One row of the alert outbox, whichever raised it.
public enum OutboxAlert: Sendable, Equatable {
    case quality(QualityAlert)
    case scenario(ScenarioAlert)

    public var key: String {
        switch self {
        case .quality(let a): a.key
        case .scenario(let a): a.key
        }
    }

    public var json: [UInt8] {
        switch self {
        case .quality(let a): a.json
        case .scenario(let a): a.json
        }
    }

    /// The outbox row's primary key: (source, monitor, school_code, day, period).
    var rowKey: (source: String, name: String, code: String, day: String, period: String) {
        switch self {
        case .quality(let a): ("quality", a.monitor, a.school, a.day, "")
        case .scenario(let a): ("scenario", a.scenario, a.region, a.periodStart, a.period)
        }
    }
}

/// Raising alerts: a (monitor, school, day) whose counts breach the monitor's threshold, or a
/// (scenario, level, region, period) in warning, gets a row in `quality_alerts` the first time
/// only, in the same transaction as the figures; the rows not yet published form the outbox
/// the workers publish to the alerts topic.
public enum QualityAlerts {
    /// Inserts an alert for each breached row that has none yet; returns the new ones.
    public static func raise(_ db: PGConnection, schema: HubSchema, topology: Topology,
                      rows: [(key: QualityRowKey, checked: Int64, failed: Int64)]) throws -> [QualityAlert] {
        var candidates: [QualityAlert] = []
        for r in rows {
            guard let m = topology.monitor(r.key.monitor), m.breaches(checked: r.checked, failed: r.failed) else { continue }
            candidates.append(QualityAlert(monitor: m.name, severity: m.severity.rawValue, dimension: m.dimension.rawValue,
                                           school: SchoolCode.dimension(r.key.school) ?? "", day: CalendarDate(daysSinceEpoch: Int(r.key.day)).description,
                                           checked: r.checked, failed: r.failed, threshold: m.threshold))
        }
        guard !candidates.isEmpty else { return [] }
        let s = schema.name
        let inserted = try db.query("""
            INSERT INTO \(s).quality_alerts (monitor, school_code, day, severity, checked, failed)
            SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::bigint[], $6::bigint[]) ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING RETURNING monitor, school_code, day::text AS day
            """, [
                PGArrayLiteral.codes(candidates.map(\.monitor), allowing: ["_"]),
                PGArrayLiteral.codes(candidates.map(\.school), allowing: SchoolCode.placeholderCharacters),
                PGArrayLiteral.codes(candidates.map(\.day), allowing: ["-"]), PGArrayLiteral.codes(candidates.map(\.severity)),
                PGArrayLiteral.integers(candidates.map(\.checked)),
                PGArrayLiteral.integers(candidates.map(\.failed)),
            ])
        let new = Set(try inserted.rows.map {
            "\(try $0.decode("monitor", as: String.self))|\(try $0.decode("school_code", as: String.self))|\(try $0.decode("day", as: String.self))"
        })
        return candidates.filter { new.contains($0.key) }
    }

    /// Inserts an alert for each scenario warning that has none yet (inside the caller's
    /// transaction); returns the new ones.
    public static func raise(_ db: PGConnection, schema: HubSchema, scenarioWarnings warnings: [ScenarioAlert]) throws -> [ScenarioAlert] {
        guard !warnings.isEmpty else { return [] }
        func doubles(_ v: [Double?]) -> String { "{" + v.map { $0.map { String($0) } ?? "NULL" }.joined(separator: ",") + "}" }
        let inserted = try db.query("""
            INSERT INTO \(schema.name).quality_alerts (source, monitor, school_code, day, period, level, severity, checked, failed,
                                                       value, comparison, threshold_low, threshold_high)
            SELECT 'scenario', scenario, region, day, period, level, severity, 0, 0, value, comparison, low, high
            FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[],
                        $9::float8[], $10::float8[]) AS w(scenario, region, day, period, level, severity, value, comparison, low, high)
            ORDER BY scenario, region, day, period
            ON CONFLICT DO NOTHING RETURNING monitor, school_code, period
            """, [
                PGArrayLiteral.text(warnings.map(\.scenario)), PGArrayLiteral.text(warnings.map(\.region)),
                PGArrayLiteral.text(warnings.map(\.periodStart)), PGArrayLiteral.text(warnings.map(\.period)),
                PGArrayLiteral.text(warnings.map(\.level)), PGArrayLiteral.text(warnings.map(\.severity)),
                doubles(warnings.map(\.value)), PGArrayLiteral.text(warnings.map(\.comparison)),
                doubles(warnings.map(\.thresholdLower)), doubles(warnings.map(\.thresholdUpper)),
            ])
        let new = Set(try inserted.rows.map {
            "\(try $0.decode("monitor", as: String.self))|\(try $0.decode("school_code", as: String.self))|\(try $0.decode("period", as: String.self))"
        })
        return warnings.filter { new.contains("\($0.scenario)|\($0.region)|\($0.period)") }
    }

    /// Up to `limit` unpublished alerts, oldest first. With `claim` (inside a transaction) the
    /// rows are locked until it ends, and rows another publisher has claimed are skipped: two
    /// publishers at once never send the same alert.
    public static func unpublished(_ db: PGConnection, schema: HubSchema, topology: Topology, limit: Int = 1000,
                                   claim: Bool = false) throws -> [OutboxAlert] {
        let r = try db.query("""
            SELECT source, monitor, severity, school_code, day::text AS day, checked, failed, level, period, value, comparison,
                   threshold_low, threshold_high
            FROM \(schema.name).quality_alerts
            WHERE published_at IS NULL ORDER BY raised_at, source, monitor, school_code, day, period LIMIT $1
            \(claim ? "FOR UPDATE SKIP LOCKED" : "")
            """, bind: limit)
        return try r.rows.map { row in
            let name: String = try row.decode("monitor")
            if try row.decode("source", as: String.self) == "scenario" {
                return .scenario(ScenarioAlert(
                    scenario: name, severity: try row.decode("severity"), level: try row.decode("level"), region: try row.decode("school_code"),
                    period: try row.decode("period"), periodStart: try row.decode("day"), value: try row.decode("value"),
                    comparison: try row.decode("comparison"), thresholdLower: try row.decodeIfPresent("threshold_low"),
                    thresholdUpper: try row.decodeIfPresent("threshold_high")))
            }
            // A monitor removed from the topology since the alert was raised has no dimension or threshold any more.
            let m = topology.monitor(name)
            return .quality(QualityAlert(monitor: name, severity: try row.decode("severity"), dimension: m?.dimension.rawValue ?? "",
                                         school: try row.decode("school_code"), day: try row.decode("day"), checked: try row.decode("checked"),
                                         failed: try row.decode("failed"), threshold: m?.threshold ?? 0))
        }
    }

    public static func markPublished(_ db: PGConnection, schema: HubSchema, _ alerts: [OutboxAlert]) throws {
        guard !alerts.isEmpty else { return }
        let keys = alerts.map(\.rowKey)
        try db.query("""
            UPDATE \(schema.name).quality_alerts a SET published_at = now()
            FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[]) AS p(source, monitor, school_code, day, period)
            WHERE a.source = p.source AND a.monitor = p.monitor AND a.school_code = p.school_code AND a.day = p.day
              AND a.period = p.period
            """, [PGArrayLiteral.text(keys.map(\.source)), PGArrayLiteral.text(keys.map(\.name)), PGArrayLiteral.text(keys.map(\.code)),
                  PGArrayLiteral.text(keys.map(\.day)), PGArrayLiteral.text(keys.map(\.period))])
    }
}
