import HubCore

/// `pattern` (validity): a text field, when present, matches a regular expression as a whole.
public struct PatternRule: RecordRule {
    public static let name = "pattern"
    public static let kinds = ["validity"]
    public static let parameters = ["field", "pattern"]
    public static let example = (recordType: RecordType.student, yaml: "field: registry_no\npattern: \"[GL][0-9]{17}[0-9X]\"")
    public static let stage = MonitorDefinition.Stage.transform

    public var field: String
    public var pattern: String

    public init(field: String, pattern: String) {
        self.field = field
        self.pattern = pattern
    }

    public static func parse(_ p: MonitorParameters) -> PatternRule? {
        guard let f = p.field("field", kinds: [.text, .pseudonym]), let pattern = p.string("pattern", required: true) else { return nil }
        if (try? Regex(pattern)) == nil { p.issue(at: "pattern", "pattern is not a valid regular expression") }
        return PatternRule(field: f, pattern: pattern)
    }

    public func bind(fieldNames: [String]) -> any RecordCheck {
        Bound(position: fieldNames.firstIndex(of: field), pattern: CompiledPattern(pattern))
    }

    struct Bound: RecordCheck {
        let position: Int?
        let pattern: CompiledPattern

        func evaluate(_ v: MonitorRecordView) -> Bool? {
            guard let i = position, let text = v.present[i] else { return nil }
            return pattern.matches(text)
        }
    }
}
