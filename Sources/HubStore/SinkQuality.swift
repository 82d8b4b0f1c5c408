import Aggregation
import HubCore
import Postgres
import Topology

/// The quality part of the sink's commit, in the same transaction as the state it follows:
/// per-record results, the uniqueness monitors' claims, the quarantine monitors' counts, each
/// school's daily activity, and the alerts for rows that newly breach their threshold.
extension SinkStore {
    static let qualityStagingSQL = """
        CREATE TEMP TABLE IF NOT EXISTS stage_quality (monitor text, school_code text, day date, checked bigint, failed bigint,
                                                      examples text[]) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_activity (record_type text, school_code text, day date, records bigint,
                                                       first_arrival timestamptz) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_claims (monitor text, grp text, member text, school_code text, day date,
            active boolean, flagged boolean, updated_at_us bigint, src_partition int, src_offset bigint, src_row int,
            removed boolean) ON COMMIT DELETE ROWS;
        """

    /// Counts newly quarantined units for the quarantine monitors of their record type.
    func countQuarantined(_ units: [QuarantineUnit], into quality: inout QualityDeltas) {
        for u in units {
            guard let type = u.recordType, let stream = topology.stream(for: type) else { continue }
            let day = CalendarDate.dayNumber(epochSeconds: u.timestampMs / 1000)
            for m in stream.monitors {
                guard case .quarantine(let reasons) = m.rule, reasons.contains(u.reason) else { continue }
                let p = u.position
                quality.count(QualityRowKey(monitor: m.name, school: u.schoolCode ?? "", day: day), checked: 1, failed: 1,
                              example: "\(p.topic):\(p.partition):\(p.offset):\(p.row)")
            }
        }
    }

    /// Writes the batch's quality changes; returns the alerts it raised.
    func commitQuality(_ quality: inout QualityDeltas, claims: [UniquenessClaims]) throws -> [QualityAlert] {
        for c in claims where !c.proposals.isEmpty { try commitClaims(c, into: &quality) }
        try commitActivity(quality.changedActivity)
        let rows = quality.changedRows
        guard !rows.isEmpty else { return [] }
        try db.copyIn("COPY stage_quality (monitor, school_code, day, checked, failed, examples) FROM STDIN") { w in
            for (k, c) in rows {
                w.field(k.monitor)
                w.field(k.school)
                w.field(CalendarDate(daysSinceEpoch: Int(k.day)).description)
                w.field(c.checked)
                w.field(c.failed)
                w.field(PGArrayLiteral.text(c.examples))
                w.endRow()
            }
        }
        let updated = try db.query("""
            INSERT INTO \(s).quality_results AS q (monitor, school_code, day, checked, failed, examples)
            SELECT monitor, school_code, day, checked, failed, examples FROM stage_quality ORDER BY 1, 2, 3
            ON CONFLICT (monitor, school_code, day) DO UPDATE SET
                checked = q.checked + EXCLUDED.checked, failed = q.failed + EXCLUDED.failed, updated_at = now(),
                examples = CASE WHEN cardinality(EXCLUDED.examples) = 0 OR cardinality(q.examples) >= 5 THEN q.examples
                    ELSE (SELECT coalesce(array_agg(e), '{}') FROM (
                        SELECT DISTINCT e FROM unnest(q.examples || EXCLUDED.examples) e ORDER BY e LIMIT 5) x) END
            RETURNING monitor, school_code, day - date '1970-01-01', checked, failed
            """)
        var after: [(key: QualityRowKey, checked: Int64, failed: Int64)] = []
        for i in 0..<updated.rowCount {
            after.append((QualityRowKey(monitor: updated.value(i, 0) ?? "", school: updated.value(i, 1) ?? "",
                                        day: Int32(updated.int(i, 2) ?? 0)),
                          Int64(updated.int(i, 3) ?? 0), Int64(updated.int(i, 4) ?? 0)))
        }
        return try QualityAlerts.raise(db, schema: schema, topology: topology, rows: after)
    }

    private func commitActivity(_ rows: [(key: ActivityKey, activity: QualityDeltas.Activity)]) throws {
        guard !rows.isEmpty else { return }
        try db.copyIn("COPY stage_activity (record_type, school_code, day, records, first_arrival) FROM STDIN") { w in
            for (k, a) in rows {
                w.field(k.recordType.rawValue)
                w.field(k.school)
                w.field(CalendarDate(daysSinceEpoch: Int(k.day)).description)
                w.field(a.records)
                w.field(a.firstArrivalMs > 0 ? Self.timestampText(a.firstArrivalMs) : nil)
                w.endRow()
            }
        }
        try db.execute("""
            INSERT INTO \(s).quality_activity AS a (record_type, school_code, day, records, first_arrival)
            SELECT * FROM stage_activity ORDER BY 1, 2, 3
            ON CONFLICT (record_type, school_code, day) DO UPDATE SET
                records = a.records + EXCLUDED.records, first_arrival = least(a.first_arrival, EXCLUDED.first_arrival)
            """)
    }

    /// Loads the stored claims of the proposals' groups, merges, and writes what changed.
    /// Groups that span entities (a registry number held by several persons) are serialised
    /// across sink instances by an advisory lock per monitor; groups keyed by the person are
    /// already serialised by the person's `current_state` row.
    private func commitClaims(_ claims: UniquenessClaims, into quality: inout QualityDeltas) throws {
        let name = claims.monitor.name
        if case .uniqueLocalId = claims.monitor.rule {
            try db.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["eduhub.quality.\(s).\(name)"])
        }
        let stored = try db.query("""
            SELECT grp, member, school_code, day - date '1970-01-01', active, flagged, updated_at_us, src_partition, src_offset, src_row
            FROM \(s).quality_claims WHERE monitor = $1 AND grp = ANY($2::text[])
            """, [name, PGArrayLiteral.codes(claims.groups)])
        let existing = (0..<stored.rowCount).map { i in
            QualityClaim(group: stored.value(i, 0) ?? "", member: stored.value(i, 1) ?? "", school: stored.value(i, 2) ?? "",
                         day: Int32(stored.int(i, 3) ?? 0), active: stored.value(i, 4) == "t", flagged: stored.value(i, 5) == "t",
                         version: StandardRecord.Version(updatedAtMicros: Int64(stored.value(i, 6) ?? "") ?? 0,
                                                         partition: Int32(stored.int(i, 7) ?? 0),
                                                         offset: Int64(stored.value(i, 8) ?? "") ?? 0, row: Int32(stored.int(i, 9) ?? 0)))
        }
        let outcome = claims.apply(stored: existing, into: &quality)
        guard !outcome.writes.isEmpty || !outcome.removals.isEmpty else { return }
        try db.copyIn("""
            COPY stage_claims (monitor, grp, member, school_code, day, active, flagged, updated_at_us, src_partition, src_offset,
                               src_row, removed) FROM STDIN
            """) { w in
            for c in outcome.writes {
                w.field(name)
                w.field(c.group)
                w.field(c.member)
                w.field(c.school)
                w.field(CalendarDate(daysSinceEpoch: Int(c.day)).description)
                w.field(c.active ? "t" : "f")
                w.field(c.flagged ? "t" : "f")
                w.field(c.version.updatedAtMicros)
                w.field(c.version.partition)
                w.field(c.version.offset)
                w.field(c.version.row)
                w.field("f")
                w.endRow()
            }
            for r in outcome.removals {
                w.field(name)
                w.field(r.group)
                w.field(r.member)
                for _ in 0..<8 { w.field(nil as String?) }
                w.field("t")
                w.endRow()
            }
        }
        try db.execute("""
            DELETE FROM \(s).quality_claims c USING stage_claims st
            WHERE st.removed AND c.monitor = st.monitor AND c.grp = st.grp AND c.member = st.member;
            INSERT INTO \(s).quality_claims AS c
                SELECT monitor, grp, member, school_code, day, active, flagged, updated_at_us, src_partition, src_offset, src_row
                FROM stage_claims WHERE NOT removed ORDER BY 1, 2, 3
            ON CONFLICT (monitor, grp, member) DO UPDATE SET school_code = EXCLUDED.school_code, day = EXCLUDED.day,
                active = EXCLUDED.active, flagged = EXCLUDED.flagged, updated_at_us = EXCLUDED.updated_at_us,
                src_partition = EXCLUDED.src_partition, src_offset = EXCLUDED.src_offset, src_row = EXCLUDED.src_row;
            TRUNCATE stage_claims;
            """)
    }
}
