import HubCore

/// `valid` (validity): the field, when present, is a valid value of its kind (date, code,
/// count, timestamp). An invalid optional field is dropped from the standard record; this rule
/// still sees it.
public struct ValidRule: RecordRule {
    public static let name = "valid"
    public static let kinds = ["validity"]
    public static let parameters = ["field"]
    public static let example = (recordType: RecordType.student, yaml: "field: birth_date")
    public static let stage = MonitorDefinition.Stage.transform

    public var field: String

    public init(field: String) { self.field = field }

    public static func parse(_ p: MonitorParameters) -> ValidRule? {
        p.field("field", kinds: [.date, .code, .count, .timestamp]).map(ValidRule.init(field:))
    }

    public func bind(fieldNames: [String]) -> any RecordCheck { Bound(position: fieldNames.firstIndex(of: field)) }

    struct Bound: RecordCheck {
        let position: Int?

        func evaluate(_ v: MonitorRecordView) -> Bool? {
            guard let i = position, v.present[i] != nil else { return nil }
            return v.valid[i] != nil
        }
    }
}
