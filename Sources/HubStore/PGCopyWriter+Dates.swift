import HubCore
import Postgres

extension PGCopyWriter {
    /// A `date` field from days since 1970-01-01, written without an intermediate `String`.
    public mutating func field(day: Int32) {
        let d = CalendarDate(daysSinceEpoch: Int(day))
        field(year: d.year, month: d.month, day: d.day)
    }

    /// A `date` field, or NULL.
    public mutating func field(day: Int32?) {
        if let day { field(day: day) } else { field(nil as String?) }
    }

    /// A `timestamptz` field from a Kafka timestamp in milliseconds since the epoch (UTC); NULL
    /// when there is none or it is not a known time (``MessageTime``).
    public mutating func field(timestampMs: Int64?) {
        guard let ms = timestampMs.flatMap(MessageTime.known) else {
            field(nil as String?)
            return
        }
        let days = (ms >= 0 ? ms : ms - 86_399_999) / 86_400_000
        let d = CalendarDate(daysSinceEpoch: Int(days))
        field(year: d.year, month: d.month, day: d.day, millisecondOfDay: Int(ms - days * 86_400_000))
    }
}
