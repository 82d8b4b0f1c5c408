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
    public var json: String {
        struct Message: Encodable {
            var monitor, severity, dimension, school_code, day: String
            var checked, failed: Int64
            var threshold: Double
        }
        let message = Message(monitor: monitor, severity: severity, dimension: dimension, school_code: shownSchool, day: day,
                              checked: checked, failed: failed, threshold: threshold.isFinite ? threshold : 0)
        return (try? String(decoding: JSONEncoder.sorted.encode(message), as: UTF8.self)) ?? "{}"
    }
}

/// Raising alerts: a (monitor, school, day) whose counts breach the monitor's threshold gets
/// a row in `quality_alerts` the first time only, in the same transaction as the counts; the
/// rows not yet published form the outbox the workers publish to the alerts topic.
public enum QualityAlerts {
    /// Inserts an alert for each breached row that has none yet; returns the new ones.
    static func raise(_ db: PGConnection, schema: HubSchema, topology: Topology,
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
            ON CONFLICT DO NOTHING RETURNING monitor, school_code, day::text
            """, [
                PGArrayLiteral.codes(candidates.map(\.monitor), allowing: ["_"]),
                PGArrayLiteral.codes(candidates.map(\.school), allowing: SchoolCode.placeholderCharacters),
                PGArrayLiteral.codes(candidates.map(\.day), allowing: ["-"]), PGArrayLiteral.codes(candidates.map(\.severity)),
                PGArrayLiteral.integers(candidates.map(\.checked)),
                PGArrayLiteral.integers(candidates.map(\.failed)),
            ])
        var new: Set<String> = []
        for i in 0..<inserted.rowCount { new.insert("\(inserted.value(i, 0) ?? "")|\(inserted.value(i, 1) ?? "")|\(inserted.value(i, 2) ?? "")") }
        return candidates.filter { new.contains($0.key) }
    }

    /// Alerts raised but not yet published, oldest first.
    public static func unpublished(_ db: PGConnection, schema: HubSchema, topology: Topology, limit: Int = 1000) throws -> [QualityAlert] {
        let r = try db.query("""
            SELECT monitor, severity, school_code, day::text, checked, failed FROM \(schema.name).quality_alerts
            WHERE published_at IS NULL ORDER BY raised_at, monitor, school_code, day LIMIT \(limit)
            """)
        return (0..<r.rowCount).map { i in
            let m = topology.monitor(r.value(i, 0) ?? "")
            return QualityAlert(monitor: r.value(i, 0) ?? "", severity: r.value(i, 1) ?? "", dimension: m?.dimension.rawValue ?? "",
                                school: r.value(i, 2) ?? "", day: r.value(i, 3) ?? "", checked: Int64(r.int(i, 4) ?? 0),
                                failed: Int64(r.int(i, 5) ?? 0), threshold: m?.threshold ?? 0)
        }
    }

    public static func markPublished(_ db: PGConnection, schema: HubSchema, _ alerts: [QualityAlert]) throws {
        guard !alerts.isEmpty else { return }
        try db.query("""
            UPDATE \(schema.name).quality_alerts a SET published_at = now()
            FROM unnest($1::text[], $2::text[], $3::date[]) AS p(monitor, school_code, day)
            WHERE a.monitor = p.monitor AND a.school_code = p.school_code AND a.day = p.day
            """, [PGArrayLiteral.codes(alerts.map(\.monitor), allowing: ["_"]),
                  PGArrayLiteral.codes(alerts.map(\.school), allowing: SchoolCode.placeholderCharacters),
                  PGArrayLiteral.codes(alerts.map(\.day), allowing: ["-"])])
    }
}
