import HubCore

/// `arrival_lag` (timeliness): arrival (the raw message's Kafka timestamp) is at most
/// `max_lag_hours` after the record's updated-at, and not more than `max_ahead_minutes` before it.
public struct ArrivalLagRule: RecordRule, RecordCheck {
    public static let name = "arrival_lag"
    public static let kinds = ["timeliness"]
    public static let parameters = ["max_lag_hours", "max_ahead_minutes"]
    public static let example = (recordType: RecordType.student, yaml: "max_lag_hours: 72\nmax_ahead_minutes: 10")
    public static let stage = MonitorDefinition.Stage.transform

    public var maxLagHours: Int
    public var maxAheadMinutes: Int
    private let maxLagMicros: Int64
    private let maxAheadMicros: Int64

    public init(maxLagHours: Int, maxAheadMinutes: Int) {
        self.maxLagHours = maxLagHours
        self.maxAheadMinutes = maxAheadMinutes
        maxLagMicros = Self.micros(maxLagHours, 3_600_000_000)
        maxAheadMicros = Self.micros(maxAheadMinutes, 60_000_000)
    }

    /// `n` units in microseconds, saturating: a steward's huge figure means "never late", not a trap.
    private static func micros(_ n: Int, _ unit: Int64) -> Int64 {
        let (v, overflow) = Int64(n).multipliedReportingOverflow(by: unit)
        return overflow ? (n < 0 ? .min + 1 : .max) : v
    }

    public static func parse(_ p: MonitorParameters) -> ArrivalLagRule? {
        ArrivalLagRule(maxLagHours: p.int("max_lag_hours") ?? 72, maxAheadMinutes: p.int("max_ahead_minutes") ?? 5)
    }

    public func evaluate(_ v: MonitorRecordView) -> Bool? {
        // Only a known Kafka time is judged (MessageTime); then the arithmetic cannot overflow.
        guard let arrivalMs = MessageTime.known(v.record.sourceTimestampMs) else { return nil }
        let lag = arrivalMs * 1000 - v.record.updatedAtMicros
        return lag <= maxLagMicros && lag >= -maxAheadMicros
    }
}
