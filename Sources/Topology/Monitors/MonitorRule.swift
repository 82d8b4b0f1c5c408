import HubCore

/// A kind of data-quality rule (`rule:` under a stream's `monitors:`): its parameters, how they
/// are read from the topology, where it runs and how it judges. One file per kind under
/// `Monitors/Rules/`, listed once in ``MonitorRuleRegistry``.
///
/// Where a rule runs decides which of the protocols below it also adopts:
/// - ``RecordRule``: per record in Transform, which still sees the raw values; only the
///   verdict (two bit masks) travels on with the standard record;
/// - ``QuarantineUnitRule``: counts the stream's quarantined units in the sink;
/// - ``StateQueryRule``: in bulk over the sink database's current state (uniqueness groups span
///   partitions and sink instances), one set-based query;
/// - ``DayRule``: whole days, from the activity the sink records per school and day.
public protocol MonitorRule: Sendable {
    /// The rule's name as written in the topology (`rule:`), stored in `quality_monitors.rule`.
    static var name: String { get }
    /// The monitor kinds (`kind:`) the rule may be written under; a kind's first registered
    /// rule is its default.
    static var kinds: [String] { get }
    /// The rule's own parameter keys (beyond `kind`, `rule`, `description`, `severity`,
    /// `threshold`, `min_failed`).
    static var parameters: [String] { get }
    /// The record type and parameters (YAML, one per line) of a monitor that uses the rule: the
    /// reference's example, parsed by the registry test.
    static var example: (recordType: RecordType, yaml: String) { get }
    /// Where the rule is evaluated.
    static var stage: MonitorDefinition.Stage { get }
    /// Reads the rule's parameters; every problem is reported at its line. nil when unusable.
    static func parse(_ parameters: MonitorParameters) -> Self?
}

// MARK: Per record, in Transform

/// What a per-record rule sees of one record: the dialect's raw texts (by field position, see
/// ``RecordRule/bind(fieldNames:)``), the canonical ID number, and the standard record.
public struct MonitorRecordView {
    /// Trimmed text per dialect field; nil when absent, null or blank.
    public var present: [String?]
    /// The same, but nil also where an optional field was invalid (dropped from the record).
    public var valid: [String?]
    public var canonicalId: String?
    /// The birth date embedded in ``canonicalId`` (read once for every rule that needs it).
    public var idBirthDate: CalendarDate?
    public var record: StandardRecord

    /// - Parameter idBirthDate: the birth date of `canonicalId` when the caller has it already;
    ///   read from `canonicalId` when nil.
    public init(present: [String?], valid: [String?], canonicalId: String?, record: StandardRecord,
                idBirthDate: CalendarDate? = nil) {
        self.present = present
        self.valid = valid
        self.canonicalId = canonicalId
        self.idBirthDate = idBirthDate ?? canonicalId.flatMap(IdNumber.birthDate(ofCanonical:))
        self.record = record
    }
}

/// A rule evaluated per record in Transform.
public protocol RecordRule: MonitorRule {
    /// The rule resolved for one dialect whose fields come in `fieldNames` order (the positions
    /// of ``MonitorRecordView/present``). Done once per dialect, so the per-record work is the
    /// check itself.
    func bind(fieldNames: [String]) -> any RecordCheck
}

/// A per-record rule bound to a dialect. Runs on the transform's hot path: no allocation.
public protocol RecordCheck: Sendable {
    /// nil: the rule does not apply to this record; otherwise whether it passed.
    func evaluate(_ view: MonitorRecordView) -> Bool?
}

extension RecordRule where Self: RecordCheck {
    /// A rule that reads no raw field positions is its own check.
    public func bind(fieldNames: [String]) -> any RecordCheck { self }
}

// MARK: In the sink

/// A rule that counts the stream's quarantined units (one per source position) as failed.
public protocol QuarantineUnitRule: MonitorRule {
    func counts(_ reason: QuarantineReason) -> Bool
}

/// A rule evaluated in bulk over the sink database: one query whose rows replace the monitor's
/// results. Running it again gives the same rows.
public protocol StateQueryRule: MonitorRule {
    /// Whether the rule reads the sink's log of reports by other schools (`school_claims`),
    /// which the sink then keeps for the rule's record type.
    var readsSchoolClaims: Bool { get }
    /// The query for a monitor of `recordType` over schema `schema`; it returns the columns
    /// `school_code`, `day` (days since 1970-01-01), `checked`, `failed` and `examples` (text[]).
    func query(schema: String, recordType: RecordType) -> MonitorQuery
}

/// SQL and its parameters ($1, $2, … in PostgreSQL's text form).
public struct MonitorQuery: Sendable, Equatable {
    public var sql: String
    public var parameters: [String?]

    public init(sql: String, parameters: [String?]) {
        self.sql = sql
        self.parameters = parameters
    }

    /// The Beijing day (days since 1970-01-01) of an `updated_at_us` column, as SQL.
    public static func beijingDay(_ column: String) -> String {
        "floor(((\(column) / 1000000) + 28800)::numeric / 86400)::int"
    }

    /// A PostgreSQL array literal of integers.
    static func integerArray<I: BinaryInteger>(_ values: [I]) -> String {
        "{" + values.map { String($0) }.joined(separator: ",") + "}"
    }
}

/// A rule that judges whole days from each school's activity (current records and first
/// arrival per day, `quality_activity`).
public protocol DayRule: MonitorRule {
    /// The days whose activity judging `day` needs, `day` first; nil when `day` is not judged
    /// (not a counted weekday, or not complete at `nowMs`).
    func window(for day: Int32, nowMs: Int64) -> [Int32]?
    /// One result per judged school for `day`, given the activity of `window` (as returned by
    /// ``window(for:nowMs:)``) and the registry's schools.
    func evaluate(day: Int32, window: [Int32], schools: [String], activity: DayActivity) -> [SchoolDayResult]
}

/// A record type's activity: per school and day, its current records and first arrival.
public struct DayActivity: Sendable, Equatable {
    /// Current records per school and day (days since 1970-01-01).
    public var records: [String: [Int32: Int64]]
    /// Earliest Kafka timestamp (ms) per school and day, where one is known.
    public var firstArrivalMs: [String: [Int32: Int64]]
    /// Each school's first day with current records.
    public var firstReportedDay: [String: Int32]

    public init(records: [String: [Int32: Int64]] = [:], firstArrivalMs: [String: [Int32: Int64]] = [:],
                firstReportedDay: [String: Int32] = [:]) {
        self.records = records
        self.firstArrivalMs = firstArrivalMs
        self.firstReportedDay = firstReportedDay
    }
}

/// A monitor's units on one school's day.
public struct SchoolDayResult: Sendable, Equatable {
    public var school: String
    /// Days since 1970-01-01.
    public var day: Int32
    public var checked: Int64
    public var failed: Int64

    public init(school: String, day: Int32, checked: Int64, failed: Int64) {
        self.school = school
        self.day = day
        self.checked = checked
        self.failed = failed
    }
}

extension CalendarDate {
    /// Completed years from `self` to `later`.
    func wholeYears(to later: CalendarDate) -> Int {
        later.year - year - ((later.month, later.day) < (month, day) ? 1 : 0)
    }

    /// Beijing midnight starting the day `day` (days since 1970-01-01), in epoch milliseconds.
    static func beijingMidnightMs(_ day: Int32) -> Int64 {
        (Int64(day) * 86_400 - Int64(beijingOffsetSeconds)) * 1000
    }
}
