import HubCore

/// `unique_local_id` (uniqueness): a registry or staff number (the stream's pseudonym field)
/// belongs to one person, within the province or (`scope: school`) within a school. Every
/// holder counts as checked at its school on its day; a holder is failed while another person
/// holds the same number in the scope.
public struct UniqueLocalIdRule: StateQueryRule {
    public static let name = "unique_local_id"
    public static let kinds = ["uniqueness"]
    public static let parameters = ["scope"]
    public static let example = (recordType: RecordType.student, yaml: "scope: province")
    public static let stage = MonitorDefinition.Stage.uniquenessEvaluation

    public var perSchool: Bool
    public var readsSchoolClaims: Bool { false }

    public init(perSchool: Bool) { self.perSchool = perSchool }

    public static func parse(_ p: MonitorParameters) -> UniqueLocalIdRule? {
        guard p.has(kind: .pseudonym) else {
            p.issue("unique_local_id needs a registry/staff number field (kind pseudonym)")
            return nil
        }
        let scope = p.string("scope") ?? "province"
        guard scope == "province" || scope == "school" else {
            p.issue(at: "scope", "scope must be province or school")
            return nil
        }
        return UniqueLocalIdRule(perSchool: scope == "school")
    }

    public func query(schema s: String, recordType: RecordType) -> MonitorQuery {
        let scope = perSchool ? "school_code" : "''"
        return MonitorQuery(sql: """
            WITH holders AS (
                SELECT entity_key, local_id, school_code, \(scope) AS scope, \(MonitorQuery.beijingDay("updated_at_us")) AS day
                FROM \(s).entity_state WHERE record_type = $1 AND local_id IS NOT NULL),
            conflicted AS (
                SELECT scope, local_id FROM holders GROUP BY 1, 2 HAVING count(*) >= 2)
            SELECT h.school_code, h.day, count(*) AS checked, count(x.local_id) AS failed,
                   (array_agg(encode(h.entity_key, 'hex') ORDER BY h.entity_key) FILTER (WHERE x.local_id IS NOT NULL))[1:5]
                       AS examples
            FROM holders h LEFT JOIN conflicted x USING (scope, local_id)
            GROUP BY 1, 2 ORDER BY 1, 2
            """, parameters: [String(recordType.wireCode)])
    }
}
