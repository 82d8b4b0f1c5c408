/// An error reported by PostgreSQL or by libpq.
///
/// `message` is the server's primary message (or libpq's, for client-side failures) on one
/// line; `sqlState` is the five-character SQLSTATE when the server sent one (for example
/// `42P01` for an undefined table, `23505` for a unique violation).
/// `isConnectionError` is true when the connection is no longer usable (the server went
/// away, refused the connection, or shut down); callers then reconnect with
/// ``PGConnection/reset()`` or open a new connection, rather than retrying on this one.
public struct PGError: Error, CustomStringConvertible, Sendable {
    /// The SQLSTATE code, when the server reported one.
    public var sqlState: String?
    /// The primary, human-readable message, on one line.
    public var message: String
    /// The server's optional detail line (e.g. which key violated a constraint).
    public var detail: String?
    /// True when the connection is broken and must be re-established.
    public var isConnectionError: Bool

    /// Creates an error value; normally only the Postgres module creates these.
    public init(sqlState: String? = nil, message: String, detail: String? = nil, isConnectionError: Bool = false) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.isConnectionError = isConnectionError
    }

    /// One line: "PostgreSQL error 42P01: relation "x" does not exist".
    public var description: String {
        var text = isConnectionError ? "PostgreSQL connection error" : "PostgreSQL error"
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        if let detail { text += " (\(detail))" }
        return text
    }

    /// SQLSTATEs meaning the session is gone: class 08 (connection exception) and the
    /// operator-intervention codes for a server that is shutting down or starting up.
    static func isConnectionState(_ state: String) -> Bool {
        state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
    }

    /// Joins libpq's multi-line messages ("...failed: Connection refused\n\tIs the server
    /// running...") into one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { line in
                let trimmed = line.drop(while: \.isWhitespace)
                return String(trimmed.reversed().drop(while: \.isWhitespace).reversed())
            }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
