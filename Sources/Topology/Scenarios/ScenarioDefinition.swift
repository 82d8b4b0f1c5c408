import HubCore

/// An education business monitoring scenario (教育业务监测场景) declared under `scenarios:`: an
/// indicator over the standard zone, evaluated per school, county, city and province for a
/// month or a term, and the thresholds whose breach raises a warning.
///
/// Every indicator yields per school a numerator and a denominator; a region's are the sums
/// over its schools (or, for `schools_in_warning`, the number of its schools in warning), and
/// its value follows from them by the scenario's ``ScenarioValueForm``. So a county's rate is
/// its pupils' rate, never an average of its schools' rates.
public struct ScenarioDefinition: Sendable {
    public var name: String
    public var title: LocalizedText
    /// What exactly is counted, for the report and the console.
    public var definition: LocalizedText
    public var indicator: ScenarioIndicator
    public var form: ScenarioValueForm
    public var rollup: ScenarioRollup
    /// The unit the value is shown in (a key of the report's unit texts).
    public var unit: String
    /// The denominator of a school or region is the numerator of its previous period's result.
    public var comparesPreviousPeriod: Bool
    public var thresholds: ScenarioThresholds
    /// A value with a smaller denominator is not judged (status `no_data`).
    public var minDenominator: Double
    public var severity: MonitorDefinition.Severity
    public var owner: String
    public var file: String
    public var line: Int

    /// The built-in kind, or `sql`.
    public var kindName: String {
        switch indicator {
        case .builtIn(let kind, _): kind
        case .sql: "sql"
        }
    }
}

/// Text in Chinese (the default) and English.
public struct LocalizedText: Sendable, Hashable, Codable {
    public var zh: String
    public var en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    public func text(english: Bool) -> String { english ? en : zh }
}

/// How an indicator is computed.
public enum ScenarioIndicator: Sendable {
    /// A built-in kind with its parameters (defaults filled in, validated).
    case builtIn(kind: String, parameters: [String: ScenarioParameterValue])
    /// A steward's query returning `school_code, numerator, denominator`; `{schema}` is the
    /// hub schema and the CTE `period (start_day, end_day, as_of)` is in scope.
    case sql(query: String)
}

/// A kind parameter's value as written in the topology.
public enum ScenarioParameterValue: Sendable, Hashable {
    case number(Double)
    case text(String)
    case numbers([Double])
}

/// How a value follows from a numerator and a denominator.
public enum ScenarioValueForm: String, Sendable, Codable, CaseIterable {
    /// The numerator itself (pupils, schools, days).
    case count
    /// numerator ÷ denominator, e.g. pupils per teacher.
    case ratio
    /// 100 × numerator ÷ denominator.
    case percent
    /// 100 × numerator ÷ denominator, read "per hundred", e.g. boys per 100 girls.
    case perHundred = "per_hundred"
    /// 100 × (numerator ÷ denominator − 1): the change against a base.
    case changePercent = "change_percent"

    /// The value; nil when it cannot be judged (a denominator below `minDenominator` or zero).
    public func value(numerator: Double, denominator: Double, minDenominator: Double) -> Double? {
        if self == .count { return numerator }
        guard denominator > 0, denominator >= minDenominator else { return nil }
        switch self {
        case .count: return numerator
        case .ratio: return numerator / denominator
        case .percent, .perHundred: return 100 * numerator / denominator
        case .changePercent: return 100 * (numerator / denominator - 1)
        }
    }
}

/// How a region's numerator and denominator follow from its schools'.
public enum ScenarioRollup: String, Sendable, Codable, CaseIterable {
    /// Σ numerators and Σ denominators.
    case sum
    /// The schools in warning, out of the schools judged.
    case schoolsInWarning = "schools_in_warning"
}

/// When a value breaches its threshold.
public enum ThresholdComparison: String, Sendable, Codable, CaseIterable {
    /// value > upper
    case above
    /// value ≥ upper
    case atLeast = "at_least"
    /// value < lower
    case below
    /// value ≤ lower
    case atMost = "at_most"
    /// value < lower or value > upper
    case outside

    public func breached(_ value: Double, _ bounds: ThresholdBounds) -> Bool {
        switch self {
        case .above: bounds.upper.map { value > $0 } ?? false
        case .atLeast: bounds.upper.map { value >= $0 } ?? false
        case .below: bounds.lower.map { value < $0 } ?? false
        case .atMost: bounds.lower.map { value <= $0 } ?? false
        case .outside: (bounds.lower.map { value < $0 } ?? false) || (bounds.upper.map { value > $0 } ?? false)
        }
    }
}

/// A threshold: `upper` for above / at_least, `lower` for below / at_most, both for outside.
public struct ThresholdBounds: Sendable, Hashable, Codable {
    public var lower: Double?
    public var upper: Double?

    public init(lower: Double?, upper: Double?) {
        self.lower = lower
        self.upper = upper
    }
}

/// A scenario's thresholds per level; a school's may depend on its registered stage.
public struct ScenarioThresholds: Sendable {
    public var comparison: ThresholdComparison
    public var levels: [RegionLevel: ThresholdBounds]
    /// Per stage code, for schools registered with that stage.
    public var schoolStages: [String: ThresholdBounds]

    public init(comparison: ThresholdComparison, levels: [RegionLevel: ThresholdBounds], schoolStages: [String: ThresholdBounds]) {
        self.comparison = comparison
        self.levels = levels
        self.schoolStages = schoolStages
    }

    /// The threshold of a row at `level` (for a school, of its stage when one is given).
    public func bounds(level: RegionLevel, stage: String?) -> ThresholdBounds {
        if level == .school, let stage, let b = schoolStages[stage] { return b }
        return levels[level] ?? ThresholdBounds(lower: nil, upper: nil)
    }
}

/// A school stage as the registry spells it (`stage`), with its names.
public struct SchoolStage: Sendable, Hashable {
    public var code: String
    public var name: LocalizedText
}
