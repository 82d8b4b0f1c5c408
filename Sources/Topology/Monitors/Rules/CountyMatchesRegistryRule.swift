import HubCore

/// `county_matches_registry` (referential): the record's own county field (an extra field,
/// never used for aggregation), when present, equals the registry's county for its school.
public struct CountyMatchesRegistryRule: RecordRule {
    public static let name = "county_matches_registry"
    public static let kinds = ["referential"]
    public static let parameters = ["field"]
    public static let example = (recordType: RecordType.student, yaml: "field: county_code")
    public static let stage = MonitorDefinition.Stage.transform

    public var field: String

    public init(field: String) { self.field = field }

    public static func parse(_ p: MonitorParameters) -> CountyMatchesRegistryRule? {
        p.field("field", kinds: [.text]).map(CountyMatchesRegistryRule.init(field:))
    }

    public func bind(fieldNames: [String]) -> any RecordCheck { Bound(position: fieldNames.firstIndex(of: field)) }

    struct Bound: RecordCheck {
        let position: Int?

        func evaluate(_ v: MonitorRecordView) -> Bool? {
            guard let i = position, let text = v.present[i] else { return nil }
            return text == v.record.countyCode
        }
    }
}
