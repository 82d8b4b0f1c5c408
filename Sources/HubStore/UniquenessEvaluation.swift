import Aggregation
import HubCore
import Postgres
import Topology

/// The uniqueness monitors, evaluated in bulk over the whole current state: is a person
/// active at two schools (`one_school_per_person`), does a registry or staff number belong to
/// two persons (`unique_local_id`)?
///
/// These groups span partitions and sink instances, so merging claims per record inside the
/// sink's transaction serialised sinks and cost PostgreSQL more per record than storing the
/// state itself. Here each evaluation recomputes a monitor's results from scratch in a few
/// set-based statements (about a second per million persons) and replaces the monitor's rows;
/// running it again gives the same rows, and an alert is raised once per breach.
///
/// A person's claims are their latest report per school: the current state says where they
/// are now; `school_claims` (written by the sink) holds what other schools last reported.
/// Every active claim counts as checked at its school on its day (the Beijing day of its
/// *updated at*); a claim is failed while its group has two or more active claims.
struct UniquenessEvaluation {
    let db: PGConnection
    let schema: HubSchema
    let topology: Topology

    /// Replaces the results of every uniqueness monitor; returns the rows written.
    func evaluate() throws -> [(key: QualityRowKey, checked: Int64, failed: Int64)] {
        var all: [(key: QualityRowKey, checked: Int64, failed: Int64)] = []
        for m in topology.monitors where m.stage == .uniquenessEvaluation {
            let rows: [(QualityRowKey, Int64, Int64, [String])]
            switch m.rule {
            case .oneSchoolPerPerson(let activeStatus):
                rows = try schoolConflicts(m, active: activeStatus)
            case .uniqueLocalId(let perSchool):
                rows = try heldNumberConflicts(m, perSchool: perSchool)
            default:
                continue
            }
            try replaceResults(m, rows)
            all += rows.map { ($0.0, $0.1, $0.2) }
        }
        return all
    }

    /// The Beijing day (days since 1970-01-01) of an `updated_at_us` column, as SQL.
    static func daySQL(_ column: String) -> String {
        "floor(((\(column) / 1000000) + 28800)::numeric / 86400)::int"
    }

    private func schoolConflicts(_ m: MonitorDefinition, active: [Int16]) throws -> [(QualityRowKey, Int64, Int64, [String])] {
        let s = schema.name
        let type = Int16(m.recordType.wireCode)
        let r = try db.query("""
            WITH keyed AS (
                SELECT DISTINCT entity_key FROM \(s).school_claims WHERE record_type = $1),
            reports AS (
                SELECT entity_key, school_code, status, updated_at_us, src_partition, src_offset, src_row
                    FROM \(s).school_claims WHERE record_type = $1
                UNION ALL
                SELECT e.entity_key, e.school_code, e.status, e.updated_at_us, e.src_partition, e.src_offset, e.src_row
                    FROM \(s).entity_state e JOIN keyed k USING (entity_key) WHERE e.record_type = $1),
            latest AS (
                SELECT DISTINCT ON (entity_key, school_code) entity_key, school_code, status, updated_at_us
                FROM reports
                ORDER BY entity_key, school_code, updated_at_us DESC, src_partition DESC, src_offset DESC, src_row DESC),
            claims AS (
                SELECT entity_key, school_code, \(Self.daySQL("updated_at_us")) AS day FROM latest
                    WHERE status = ANY($2::smallint[])
                UNION ALL
                SELECT e.entity_key, e.school_code, \(Self.daySQL("e.updated_at_us")) FROM \(s).entity_state e
                    WHERE e.record_type = $1 AND e.status = ANY($2::smallint[])
                      AND NOT EXISTS (SELECT 1 FROM keyed k WHERE k.entity_key = e.entity_key)),
            conflicted AS (
                SELECT entity_key FROM claims GROUP BY entity_key HAVING count(*) >= 2)
            SELECT c.school_code, c.day, count(*) AS checked, count(x.entity_key) AS failed,
                   (array_agg(encode(x.entity_key, 'hex') ORDER BY x.entity_key) FILTER (WHERE x.entity_key IS NOT NULL))[1:5]
                       AS examples
            FROM claims c LEFT JOIN conflicted x USING (entity_key)
            GROUP BY 1, 2 ORDER BY 1, 2
            """, bind: type, PGArray.integers(active))
        return try rows(r, monitor: m.name)
    }

    private func heldNumberConflicts(_ m: MonitorDefinition, perSchool: Bool) throws -> [(QualityRowKey, Int64, Int64, [String])] {
        let s = schema.name
        let type = Int16(m.recordType.wireCode)
        let scope = perSchool ? "school_code" : "''"
        let r = try db.query("""
            WITH holders AS (
                SELECT entity_key, local_id, school_code, \(scope) AS scope, \(Self.daySQL("updated_at_us")) AS day
                FROM \(s).entity_state WHERE record_type = $1 AND local_id IS NOT NULL),
            conflicted AS (
                SELECT scope, local_id FROM holders GROUP BY 1, 2 HAVING count(*) >= 2)
            SELECT h.school_code, h.day, count(*) AS checked, count(x.local_id) AS failed,
                   (array_agg(encode(h.entity_key, 'hex') ORDER BY h.entity_key) FILTER (WHERE x.local_id IS NOT NULL))[1:5]
                       AS examples
            FROM holders h LEFT JOIN conflicted x USING (scope, local_id)
            GROUP BY 1, 2 ORDER BY 1, 2
            """, bind: type)
        return try rows(r, monitor: m.name)
    }

    private func rows(_ r: PGResult, monitor: String) throws -> [(QualityRowKey, Int64, Int64, [String])] {
        try r.rows.map { row in
            let key = QualityRowKey(monitor: monitor, school: try row.decode("school_code"), day: try row.decode("day"))
            let examples = try row.decodeIfPresent("examples", as: PGTextArray.self)?.values ?? []
            return (key, try row.decode("checked"), try row.decode("failed"), examples)
        }
    }

    /// Replaces all of the monitor's rows with `rows` and raises alerts for new breaches.
    private func replaceResults(_ m: MonitorDefinition, _ rows: [(QualityRowKey, Int64, Int64, [String])]) throws {
        let s = schema.name
        try db.query("DELETE FROM \(s).quality_results WHERE monitor = $1", bind: m.name)
        guard !rows.isEmpty else { return }
        try db.copyIn("COPY \(s).quality_results (monitor, school_code, day, checked, failed, examples) FROM STDIN") { w in
            for (key, checked, failed, examples) in rows {
                w.field(key.monitor)
                w.field(key.school)
                w.field(day: key.day)
                w.field(checked)
                w.field(failed)
                w.field(PGArrayLiteral.text(examples))
                w.endRow()
            }
        }
    }
}
