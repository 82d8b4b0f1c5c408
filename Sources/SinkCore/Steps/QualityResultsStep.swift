import Aggregation
import HubCore
import HubStore
import Postgres
import Topology

/// Step: the per-record and quarantine monitors' results and each school's daily activity,
/// counted like the aggregates (a replaced version's results are retracted), and the alerts
/// for rows that newly breach their threshold, all in the batch's transaction.
struct QualityResultsStep {
    let schema: HubSchema
    let topology: Topology

    static let stagingSQL = """
        CREATE TEMP TABLE IF NOT EXISTS stage_quality (monitor text, school_code text, day date, checked bigint, failed bigint,
                                                      examples text[]) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_activity (record_type text, school_code text, day date, records bigint,
                                                       first_arrival timestamptz) ON COMMIT DELETE ROWS;
        """

    /// The batch's quality changes: arrivals, replacements and newly quarantined units.
    func deltas(_ changes: StateChanges, quarantined: [QuarantineUnit], bits: MonitorBits) -> QualityDeltas {
        var quality = QualityDeltas(monitorNames: bits.names)
        let records = changes.records
        for i in records.indices {
            quality.arrived(records[i].type, school: records[i].schoolCode, day: records[i].qualityDay, arrivalMs: records[i].sourceTimestampMs)
        }
        changes.forEachReplacement { quality.replace($0, with: $1) }
        for u in quarantined {
            guard let type = u.recordType, let stream = topology.stream(for: type) else { continue }
            let day = MessageTime.beijingDay(u.timestampMs)
            // Only a school code is a dimension; anything else typed into the field is shown as the placeholder.
            let school = SchoolCode.dimension(u.schoolCode) ?? ""
            for m in stream.monitors {
                guard let rule = m.rule as? any QuarantineUnitRule, rule.counts(u.reason) else { continue }
                let p = u.position
                quality.count(QualityRowKey(monitor: m.name, school: school, day: day), checked: 1, failed: 1,
                              example: "\(p.topic):\(p.partition):\(p.offset):\(p.row)")
            }
        }
        return quality
    }

    /// Writes the activity and results; returns the alerts raised.
    func apply(_ db: PGConnection, _ quality: QualityDeltas) throws -> [QualityAlert] {
        try writeActivity(db, quality.changedActivity)
        let rows = quality.changedRows
        guard !rows.isEmpty else { return [] }
        try db.copyIn("COPY stage_quality (monitor, school_code, day, checked, failed, examples) FROM STDIN") { w in
            for (k, c) in rows {
                w.field(k.monitor)
                w.field(k.school)
                w.field(day: k.day)
                w.field(c.checked)
                w.field(c.failed)
                w.field(PGArrayLiteral.text(c.examples))
                w.endRow()
            }
        }
        let s = schema.name
        let updated = try db.query("""
            INSERT INTO \(s).quality_results AS q (monitor, school_code, day, checked, failed, examples)
            SELECT monitor, school_code, day, checked, failed, examples FROM stage_quality ORDER BY 1, 2, 3
            ON CONFLICT (monitor, school_code, day) DO UPDATE SET
                checked = q.checked + EXCLUDED.checked, failed = q.failed + EXCLUDED.failed, updated_at = now(),
                examples = CASE WHEN cardinality(EXCLUDED.examples) = 0 OR cardinality(q.examples) >= 5 THEN q.examples
                    ELSE (SELECT coalesce(array_agg(e), '{}') FROM (
                        SELECT DISTINCT e FROM unnest(pg_catalog.array_cat(q.examples, EXCLUDED.examples)) e ORDER BY e LIMIT 5) x) END
            RETURNING monitor, school_code, day - date '1970-01-01' AS day, checked, failed
            """)
        var after: [(key: QualityRowKey, checked: Int64, failed: Int64)] = []
        for row in updated.rows {
            after.append((QualityRowKey(monitor: try row.decode("monitor"), school: try row.decode("school_code"),
                                        day: try row.decode("day")),
                          try row.decode("checked"), try row.decode("failed")))
        }
        return try QualityAlerts.raise(db, schema: schema, topology: topology, rows: after)
    }

    private func writeActivity(_ db: PGConnection, _ rows: [(key: ActivityKey, activity: QualityDeltas.Activity)]) throws {
        guard !rows.isEmpty else { return }
        try db.copyIn("COPY stage_activity (record_type, school_code, day, records, first_arrival) FROM STDIN") { w in
            for (k, a) in rows {
                w.field(k.recordType.rawValue)
                w.field(k.school)
                w.field(day: k.day)
                w.field(a.records)
                w.field(timestampMs: a.firstArrivalMs)
                w.endRow()
            }
        }
        try db.execute("""
            INSERT INTO \(schema.name).quality_activity AS a (record_type, school_code, day, records, first_arrival)
            SELECT * FROM stage_activity ORDER BY 1, 2, 3
            ON CONFLICT (record_type, school_code, day) DO UPDATE SET
                records = a.records + EXCLUDED.records, first_arrival = least(a.first_arrival, EXCLUDED.first_arrival)
            """)
    }
}
