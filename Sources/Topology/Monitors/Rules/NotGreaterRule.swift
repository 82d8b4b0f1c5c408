import HubCore

/// `not_greater` (consistency): a count field is not greater than another (present ≤ expected).
public struct NotGreaterRule: RecordRule, RecordCheck {
    public static let name = "not_greater"
    public static let kinds = ["consistency"]
    public static let parameters = ["field", "than"]
    public static let example = (recordType: RecordType.attendance, yaml: "field: present\nthan: expected")
    public static let stage = MonitorDefinition.Stage.transform

    public var field: String
    public var than: String

    public init(field: String, than: String) {
        self.field = field
        self.than = than
    }

    public static func parse(_ p: MonitorParameters) -> NotGreaterRule? {
        guard let f = p.field("field", kinds: [.count]), let g = p.field("than", kinds: [.count]) else { return nil }
        return NotGreaterRule(field: f, than: g)
    }

    public func evaluate(_ v: MonitorRecordView) -> Bool? {
        guard let x = v.record.number(field), let y = v.record.number(than) else { return nil }
        return x <= y
    }
}
