import HubCore

/// `birth_matches_id` (validity): the birth date, when present and valid, equals the date in
/// the ID number.
public struct BirthMatchesIdRule: RecordRule, RecordCheck {
    public static let name = "birth_matches_id"
    public static let kinds = ["validity"]
    public static let parameters: [String] = []
    public static let example = (recordType: RecordType.student, yaml: "")
    public static let stage = MonitorDefinition.Stage.transform

    public init() {}

    public static func parse(_ p: MonitorParameters) -> BirthMatchesIdRule? {
        guard p.has(field: "birth_date") else {
            p.issue("birth_matches_id needs the stream field birth_date")
            return nil
        }
        return BirthMatchesIdRule()
    }

    public func evaluate(_ v: MonitorRecordView) -> Bool? {
        guard let birth = v.record.birthDay, let fromId = v.idBirthDate else { return nil }
        return Int(birth) == fromId.daysSinceEpoch
    }
}
