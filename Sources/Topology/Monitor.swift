import HubCore

/// A data-quality monitor declared by data stewards under a stream's `monitors:`.
///
/// Every monitor produces, per (monitor, school, day), a number of units checked and a
/// number that failed. Where it runs follows from its rule:
/// - per-record rules run in Transform, which still sees the raw values, and travel with the
///   standard record as two bit masks; the sink counts them against the current state (a newer
///   version retracts the older one's result), so redelivery never changes a count;
/// - `quarantine` counts the stream's quarantined units (exactly once per source position);
/// - uniqueness rules compare persons with each other across the whole current state; they
///   run in bulk in `hubctl quality evaluate` (the scheduler's `quality_report` task), over
///   the state and the sink's log of reports by other schools;
/// - `daily_report` and `baseline` look at whole days and run there too.
public struct MonitorDefinition: Sendable {
    public enum Severity: String, Sendable, CaseIterable { case info, warning, critical }

    /// The quality dimension a monitor scores (README "Quality scores").
    public enum Dimension: String, Sendable, CaseIterable, Comparable {
        case completeness, validity, consistency, referential, timeliness, volume
        public static func < (a: Dimension, b: Dimension) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public enum Rule: Sendable {
        /// Every listed field is present and non-blank.
        case complete(fields: [String])
        /// The field, when present, is a valid value of its kind (date, code, count, …).
        case valid(field: String)
        /// The field, when present, matches a regular expression (whole value).
        case pattern(field: String, pattern: String)
        /// A count field, when present, lies in `min...max`.
        case range(field: String, min: Int64, max: Int64)
        /// A count field is not greater than another (e.g. present ≤ expected).
        case notGreater(field: String, than: String)
        /// The birth-date field, when present and valid, equals the date in the ID number.
        case birthMatchesId
        /// Age (from the ID number) on 1 September of the record's school year fits the grade:
        /// primary 1 is 6 years old, each grade one more, within ± `tolerance` years.
        case ageForGrade(tolerance: Int)
        /// Age (from the ID number) on the record's updated-at day lies in `min...max` years.
        case ageRange(min: Int, max: Int)
        /// The extra county field, when present, equals the registry's county for the school.
        case countyMatchesRegistry(field: String)
        /// Arrival (the raw message's Kafka timestamp) is at most `maxLagHours` after the
        /// event time (updated at; for attendance the end of its day), and not more than
        /// `maxAheadMinutes` before it.
        case arrivalLag(maxLagHours: Int, maxAheadMinutes: Int)
        /// Units quarantined for one of these reasons count as failed; every standardised
        /// record of the stream counts as checked and passed.
        case quarantine(reasons: [QuarantineReason])
        /// An active person is active at one school only (students enrolled, teachers active).
        case oneSchoolPerPerson(activeStatus: [Int16])
        /// A registry / staff number belongs to one person (within the province or a school).
        case uniqueLocalId(perSchool: Bool)
        /// Every registry school has some record of the stream for each school day (a
        /// weekday listed in `weekdays`, 1 = Monday) that arrived by `deadlineMinutes`
        /// after midnight, Beijing time.
        case dailyReport(deadlineMinutes: Int, weekdays: [Int])
        /// A school's number of current records for a day is within `tolerance` (a fraction)
        /// of its mean over the previous `days` counted days (weekdays listed in `weekdays`),
        /// when that mean is at least `minBaseline`; a drop to zero is a failure too.
        case baseline(days: Int, tolerance: Double, minBaseline: Double, weekdays: [Int])
    }

    /// Where the monitor's rule is evaluated.
    public enum Stage: Sendable { case transform, sinkQuarantine, uniquenessEvaluation, dayEvaluation }

    public var name: String
    public var description: String
    public var dimension: Dimension
    public var severity: Severity
    /// A (school, day) breaches when failed > 0, failed ≥ `minFailed` and failed / checked > `threshold`.
    public var threshold: Double
    public var minFailed: Int
    public var recordType: RecordType
    public var rule: Rule
    public var line: Int

    public var stage: Stage {
        switch rule {
        case .quarantine: return .sinkQuarantine
        case .oneSchoolPerPerson, .uniqueLocalId: return .uniquenessEvaluation
        case .dailyReport, .baseline: return .dayEvaluation
        default: return .transform
        }
    }

    /// The rule's name as written in the topology.
    public var ruleName: String {
        switch rule {
        case .complete: return "complete"
        case .valid: return "valid"
        case .pattern: return "pattern"
        case .range: return "range"
        case .notGreater: return "not_greater"
        case .birthMatchesId: return "birth_matches_id"
        case .ageForGrade: return "age_for_grade"
        case .ageRange: return "age_range"
        case .countyMatchesRegistry: return "county_matches_registry"
        case .arrivalLag: return "arrival_lag"
        case .quarantine: return "quarantine"
        case .oneSchoolPerPerson: return "one_school_per_person"
        case .uniqueLocalId: return "unique_local_id"
        case .dailyReport: return "daily_report"
        case .baseline: return "baseline"
        }
    }

    public func breaches(checked: Int64, failed: Int64) -> Bool {
        guard failed > 0, failed >= Int64(minFailed), checked > 0 else { return false }
        return Double(failed) / Double(checked) > threshold
    }
}


extension Topology {
    /// Every monitor of every stream, in file order.
    public var monitors: [MonitorDefinition] { streams.flatMap(\.monitors) }

    public func monitor(_ name: String) -> MonitorDefinition? { monitors.first { $0.name == name } }
}
