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
            let day = MessageTime.beijingDay(u.timestampMs)
            // Only a school code is a dimension; anything else typed into the field is shown as the placeholder.
            let school = SchoolCode.dimension(u.schoolCode) ?? ""
            for m in stream.monitors {
                guard case .quarantine(let reasons) = m.rule, reasons.contains(u.reason) else { continue }
                let p = u.position
                quality.count(QualityRowKey(monitor: m.name, school: school, day: day), checked: 1, failed: 1,
                              example: "\(p.topic):\(p.partition):\(p.offset):\(p.row)")
            }
        }
    }

    /// Writes the batch's quality changes; returns the alerts it raised.
    func commitQuality(_ quality: inout QualityDeltas, claims: [UniquenessClaims], changes: StateChanges) throws -> [QualityAlert] {
        for c in claims where !c.proposals.isEmpty {
            switch c.monitor.rule {
            case .uniqueLocalId: try commitHeldNumbers(c, changes: changes, into: &quality)
            default: try commitSchoolClaims(c, changes: changes, into: &quality)
            }
        }
        try commitActivity(quality.changedActivity)
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
                w.field(day: k.day)
                w.field(a.records)
                w.field(timestampMs: a.firstArrivalMs)
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

    /// A unique-local-id monitor: the number a person holds is the one in their current
    /// state, so the groups are read from `current_state`: the holders this batch did not
    /// change, plus the batch's changed holders as they were before it. Groups span
    /// partitions, so an advisory lock per monitor serialises them across sink instances.
    private func commitHeldNumbers(_ claims: UniquenessClaims, changes: StateChanges, into quality: inout QualityDeltas) throws {
        let type = claims.monitor.recordType
        var numbers: Set<String> = []
        var holders: [QualityClaim] = []  // the batch's changed holders, as they were
        for (k, i) in changes.after where k.type == type {
            if let id = changes.records[i].localIdCode { numbers.insert(id) }
            if let old = changes.before[k], let id = old.localIdCode {
                numbers.insert(id)
                if let c = claims.claim(of: old) { holders.append(c) }
            }
        }
        guard !numbers.isEmpty else { return }
        try db.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["eduhub.quality.\(s).\(claims.monitor.name)"])
        // The other holders: entities this batch did not change (the changed ones are above,
        // as they were). Told apart by key, not by the transaction that wrote the row, so a
        // batch applied in parts (poison isolation) reads earlier parts' rows as stored.
        let rows = try probingByKey {
            try db.query("""
                SELECT \(StateRow.columns.joined(separator: ", ")) FROM \(s).current_state
                WHERE record_type = $1 AND local_id_code = ANY($2::text[])
                """, [type.rawValue, PGArrayLiteral.text(Array(numbers))])
        }
        for i in 0..<rows.rowCount {
            let holder = try StateRow.decode(rows, i)
            guard changes.after[EntityKey(type: holder.type, key: holder.key)] == nil else { continue }
            if let c = claims.claim(of: holder) { holders.append(c) }
        }
        _ = claims.apply(stored: UniquenessClaims.markingConflicts(holders), into: &quality)
    }

    /// A one-school-per-person monitor: a person's claims are stored only once they span two
    /// schools. A person with claims at one school only has exactly the claim their current
    /// state implies, so no row is kept for them (most persons). Rows are serialised by the
    /// person's `current_state` row.
    private func commitSchoolClaims(_ claims: UniquenessClaims, changes: StateChanges, into quality: inout QualityDeltas) throws {
        let name = claims.monitor.name
        let type = claims.monitor.recordType
        // Rows are written in the transaction that stores a person's first state row, and
        // state rows are never deleted: a person new to this batch has none.
        let known = claims.groups.filter { changes.before[EntityKey(type: type, key: $0)] != nil }
        var rows: [String: [QualityClaim]] = [:]
        if !known.isEmpty {
            let stored = try db.query("""
                SELECT grp, member, school_code, day - date '1970-01-01', active, flagged, updated_at_us, src_partition, src_offset,
                       src_row
                FROM \(s).quality_claims WHERE monitor = $1 AND grp = ANY($2::text[])
                """, [name, PGArrayLiteral.text(known)])
            for i in 0..<stored.rowCount {
                let c = QualityClaim(
                    group: stored.value(i, 0) ?? "", member: stored.value(i, 1) ?? "", school: stored.value(i, 2) ?? "",
                    day: Int32(stored.int(i, 3) ?? 0), active: stored.value(i, 4) == "t", flagged: stored.value(i, 5) == "t",
                    version: StandardRecord.Version(updatedAtMicros: Int64(stored.value(i, 6) ?? "") ?? 0,
                                                    partition: Int32(stored.int(i, 7) ?? 0),
                                                    offset: Int64(stored.value(i, 8) ?? "") ?? 0, row: Int32(stored.int(i, 9) ?? 0)))
                rows[c.group, default: []].append(c)
            }
        }
        var current: [QualityClaim] = []
        for person in known {
            if let stored = rows[person] {
                current += stored
            } else if let state = changes.before[EntityKey(type: type, key: person)], let c = claims.claim(of: state) {
                current.append(c)
            }
        }
        let outcome = claims.apply(stored: current, into: &quality)

        var added: [QualityClaim] = []
        var changed: [QualityClaim] = []
        var removed: [(group: String, member: String)] = []
        for (person, claimsAfter) in outcome.groups {
            let stored = rows[person] ?? []
            let key = EntityKey(type: type, key: person)
            var keep = claimsAfter
            if claimsAfter.count == 1, let state = changes.new(key) ?? changes.before[key], claims.claim(of: state) == claimsAfter[0] {
                keep = []
            }
            for c in keep {
                if let old = stored.first(where: { $0.member == c.member }) {
                    if old != c { changed.append(c) }
                } else {
                    added.append(c)
                }
            }
            for old in stored where !keep.contains(where: { $0.member == old.member }) {
                removed.append((person, old.member))
            }
        }
        try writeClaims(name, added: added, changed: changed, removed: removed)
    }

    /// Writes claim rows: new ones straight in (no other transaction can write the same keys:
    /// they belong to persons this instance's partitions own), changed ones and removals
    /// through the staging table.
    private func writeClaims(_ name: String, added: [QualityClaim], changed: [QualityClaim],
                             removed: [(group: String, member: String)]) throws {
        func write(_ c: QualityClaim, _ w: inout PGCopyWriter) {
            w.field(name)
            w.field(c.group)
            w.field(c.member)
            w.field(c.school)
            w.field(day: c.day)
            w.field(c.active ? "t" : "f")
            w.field(c.flagged ? "t" : "f")
            w.field(c.version.updatedAtMicros)
            w.field(c.version.partition)
            w.field(c.version.offset)
            w.field(c.version.row)
        }
        if !added.isEmpty {
            try db.copyIn("""
                COPY \(s).quality_claims (monitor, grp, member, school_code, day, active, flagged, updated_at_us, src_partition,
                                          src_offset, src_row) FROM STDIN
                """) { w in
                for c in added {
                    write(c, &w)
                    w.endRow()
                }
            }
        }
        guard !changed.isEmpty || !removed.isEmpty else { return }
        try db.copyIn("""
            COPY stage_claims (monitor, grp, member, school_code, day, active, flagged, updated_at_us, src_partition, src_offset,
                               src_row, removed) FROM STDIN
            """) { w in
            for c in changed {
                write(c, &w)
                w.field("f")
                w.endRow()
            }
            for r in removed {
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
            UPDATE \(s).quality_claims c SET school_code = st.school_code, day = st.day, active = st.active,
                flagged = st.flagged, updated_at_us = st.updated_at_us, src_partition = st.src_partition,
                src_offset = st.src_offset, src_row = st.src_row
            FROM stage_claims st WHERE NOT st.removed AND c.monitor = st.monitor AND c.grp = st.grp AND c.member = st.member;
            TRUNCATE stage_claims;
            """)
    }
}
