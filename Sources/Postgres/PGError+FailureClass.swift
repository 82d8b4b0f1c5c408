import FailureIsolation

/// Which PostgreSQL errors repeat for the same input. The SQLSTATE class decides:
/// - `22` data exception (a NUL or an invalid byte sequence, a number out of range, a date
///   outside the type) and `23` integrity constraint violation: the rows are refused, and
///   would be every time;
/// - `54` program limit exceeded (e.g. an index row over the btree limit): the row is too big;
/// - everything else is transient: `08` connection exception, `40` transaction rollback
///   (serialization failure `40001`, deadlock `40P01`), `53` insufficient resources, `57`
///   operator intervention (`57P01`–`57P03` shutdown, `57014` cancel), `58` system error, and
///   errors without a SQLSTATE (libpq's own, a lost connection).
extension PGError: ClassifiedFailure {
    public var failureClass: FailureClass {
        guard !isConnectionError, let state = sqlState else { return .transient }
        return Self.deterministicClasses.contains(String(state.prefix(2))) ? .deterministic : .transient
    }

    static let deterministicClasses: Set<String> = ["22", "23", "54"]

    /// A short, content-free name of a deterministic failure's SQLSTATE, for quarantine details
    /// and logs (the server's own message may quote the offending value).
    public var conditionSummary: String {
        guard let sqlState else { return message }
        let name: String
        switch sqlState {
        case "22021": name = "text PostgreSQL cannot store (NUL or invalid byte sequence)"
        case "22P05": name = "untranslatable character"
        case "22003": name = "numeric value out of range"
        case "22008": name = "date or time out of range"
        case "22007": name = "invalid date or time format"
        case "22001": name = "value too long"
        case "22P02": name = "invalid text representation"
        case "23505": name = "unique violation"
        case "23502": name = "not-null violation"
        case "23514": name = "check violation"
        case "54000": name = "program limit exceeded (row too large for an index)"
        default: name = sqlState.hasPrefix("22") ? "data exception" : sqlState.hasPrefix("23") ? "integrity violation" : "error"
        }
        return "SQLSTATE \(sqlState): \(name)"
    }
}
