import HubCore

/// `complete` (completeness): every listed field is present and non-blank.
public struct CompleteRule: RecordRule {
    public static let name = "complete"
    public static let kinds = ["completeness"]
    public static let parameters = ["fields"]
    public static let example = (recordType: RecordType.student, yaml: "fields: [name, gender, birth_date, class_name]")
    public static let stage = MonitorDefinition.Stage.transform

    public var fields: [String]

    public init(fields: [String]) { self.fields = fields }

    public static func parse(_ p: MonitorParameters) -> CompleteRule? {
        let names = p.fieldList("fields")
        return names.isEmpty ? nil : CompleteRule(fields: names)
    }

    public func bind(fieldNames: [String]) -> any RecordCheck {
        Bound(positions: fields.map { fieldNames.firstIndex(of: $0) })
    }

    struct Bound: RecordCheck {
        /// nil: the dialect does not map the field, so no record has it.
        let positions: [Int?]

        func evaluate(_ v: MonitorRecordView) -> Bool? {
            positions.allSatisfy { i in i.map { v.present[$0] != nil } ?? false }
        }
    }
}
