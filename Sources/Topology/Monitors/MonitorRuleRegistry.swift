/// Every quality monitor rule, found by its name. Adding a rule kind is one file in `Rules/`
/// and one line here; the parser, Transform, the sink and the evaluations find it through the
/// protocol it adopts (`MonitorRule.swift`), and a test checks this list against the topology
/// reference in the README.
public enum MonitorRuleRegistry {
    /// In the order error messages and the reference list them; a kind's first rule here is
    /// its default when a monitor names no `rule`.
    public static let rules: [any MonitorRule.Type] = [
        CompleteRule.self,
        ValidRule.self,
        PatternRule.self,
        RangeRule.self,
        NotGreaterRule.self,
        BirthMatchesIdRule.self,
        AgeForGradeRule.self,
        AgeRangeRule.self,
        CountyMatchesRegistryRule.self,
        ArrivalLagRule.self,
        QuarantineRule.self,
        OneSchoolPerPersonRule.self,
        UniqueLocalIdRule.self,
        DailyReportRule.self,
        BaselineRule.self,
    ]

    /// The monitor kinds (`kind:`) and the quality dimension each is scored under.
    public static let kinds: [String: MonitorDefinition.Dimension] = [
        "completeness": .completeness,
        "validity": .validity,
        "consistency": .consistency,
        "uniqueness": .consistency,
        "referential": .referential,
        "timeliness": .timeliness,
        "volume": .volume,
    ]

    private static let byName: [String: any MonitorRule.Type] = Dictionary(rules.map { ($0.name, $0) }) { first, _ in first }

    public static func rule(named name: String) -> (any MonitorRule.Type)? { byName[name] }

    /// The rules a monitor of `kind` may use, its default first.
    public static func rules(ofKind kind: String) -> [any MonitorRule.Type] { rules.filter { $0.kinds.contains(kind) } }

    /// The keys every monitor may carry, whatever its rule.
    static let commonKeys: Set<String> = ["kind", "rule", "description", "severity", "threshold", "min_failed"]

    /// Every key a monitor may carry: the common ones and every rule's parameters (each
    /// monitor is then held to its own rule's).
    static let monitorKeys = commonKeys.union(rules.flatMap { $0.parameters })
}
