import HubCore

/// `one_school_per_person` (uniqueness, students and teachers): an active person (a status in
/// `active_status`) is active at one school only.
///
/// A person's claims are their latest report per school: the current state says where they
/// are now; `school_claims` (kept by the sink) holds what other schools last reported. Every
/// active claim counts as checked at its school on its day (the Beijing day of its updated-at);
/// a claim is failed while its person has two or more active claims.
public struct OneSchoolPerPersonRule: StateQueryRule {
    public static let name = "one_school_per_person"
    public static let kinds = ["uniqueness"]
    public static let parameters = ["active_status"]
    public static let example = (recordType: RecordType.student, yaml: "active_status: [1]")
    public static let stage = MonitorDefinition.Stage.uniquenessEvaluation

    public var activeStatus: [Int16]
    public var readsSchoolClaims: Bool { true }

    public init(activeStatus: [Int16]) { self.activeStatus = activeStatus }

    public static func parse(_ p: MonitorParameters) -> OneSchoolPerPersonRule? {
        guard p.recordType != .attendance else {
            p.issue("one_school_per_person applies to student or teacher streams")
            return nil
        }
        let codes = p.list("active_status", problem: "active_status codes must be integers") { Int16($0) }
        return OneSchoolPerPersonRule(activeStatus: codes.isEmpty ? [1] : codes)
    }

    public func query(schema s: String, recordType: RecordType) -> MonitorQuery {
        let day = MonitorQuery.beijingDay
        return MonitorQuery(sql: """
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
                SELECT entity_key, school_code, \(day("updated_at_us")) AS day FROM latest
                    WHERE status = ANY($2::smallint[])
                UNION ALL
                SELECT e.entity_key, e.school_code, \(day("e.updated_at_us")) FROM \(s).entity_state e
                    WHERE e.record_type = $1 AND e.status = ANY($2::smallint[])
                      AND NOT EXISTS (SELECT 1 FROM keyed k WHERE k.entity_key = e.entity_key)),
            conflicted AS (
                SELECT entity_key FROM claims GROUP BY entity_key HAVING count(*) >= 2)
            SELECT c.school_code, c.day, count(*) AS checked, count(x.entity_key) AS failed,
                   (array_agg(encode(x.entity_key, 'hex') ORDER BY x.entity_key) FILTER (WHERE x.entity_key IS NOT NULL))[1:5]
                       AS examples
            FROM claims c LEFT JOIN conflicted x USING (entity_key)
            GROUP BY 1, 2 ORDER BY 1, 2
            """, parameters: [String(recordType.wireCode), MonitorQuery.integerArray(activeStatus)])
    }
}
