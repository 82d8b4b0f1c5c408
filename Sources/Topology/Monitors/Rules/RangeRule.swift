import HubCore

/// `range` (validity): a count field, when present, lies in `min...max`.
public struct RangeRule: RecordRule, RecordCheck {
    public static let name = "range"
    public static let kinds = ["validity"]
    public static let parameters = ["field", "min", "max"]
    public static let example = (recordType: RecordType.attendance, yaml: "field: expected\nmin: 1\nmax: 80")
    public static let stage = MonitorDefinition.Stage.transform

    public var field: String
    public var min: Int64
    public var max: Int64

    public init(field: String, min: Int64, max: Int64) {
        self.field = field
        self.min = min
        self.max = max
    }

    public static func parse(_ p: MonitorParameters) -> RangeRule? {
        guard let f = p.field("field", kinds: [.count]), let lo = p.int("min", required: true), let hi = p.int("max", required: true) else {
            return nil
        }
        if lo > hi { p.issue(at: "min", "min must not exceed max") }
        return RangeRule(field: f, min: Int64(lo), max: Int64(hi))
    }

    public func evaluate(_ v: MonitorRecordView) -> Bool? {
        guard let n = v.record.number(field) else { return nil }
        return n >= min && n <= max
    }
}
