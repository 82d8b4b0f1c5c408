/// What the hub makes of a Kafka message timestamp (milliseconds since 1970, UTC).
///
/// Kafka metadata is input too: a timestamp may be missing (-1, read as 0), zero, negative or
/// absurdly far ahead. The rule:
/// - The versioned registry lookup uses the timestamp as it is (SPEC §1), a missing one as 0:
///   a record without a timestamp finds only registry entries without one, a record from the
///   far future the latest entry.
/// - Everywhere else a timestamp counts only when it is *known*: after 1970-01-01T00:00:00Z and
///   not after 9999-12-31T23:59:59.999Z. An unknown one is stored as NULL (`message_time`,
///   `source_time`, `first_arrival`), counts a quarantined unit on 1970-01-01, and is not
///   judged by the arrival-lag monitor.
public enum MessageTime {
    /// 9999-12-31T23:59:59.999Z: the last instant with a four-digit year.
    public static let latestKnownMs: Int64 = 253_402_300_799_999

    /// `ms` when it is a known time, else nil.
    public static func known(_ ms: Int64) -> Int64? {
        ms > 0 && ms <= latestKnownMs ? ms : nil
    }

    /// The Beijing calendar day (days since 1970-01-01) of a known time; day 0 for an unknown one.
    public static func beijingDay(_ ms: Int64) -> Int32 {
        guard let ms = known(ms) else { return 0 }
        return CalendarDate.dayNumber(epochSeconds: ms / 1000)
    }
}
