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
    /// The table column the error concerns, when the server names it: from the error's column
    /// field (constraint violations) or a COPY's context (`COPY t, line 3, column c`). Only the
    /// name is kept, never the value the context quotes.
    public var column: String?

    /// Creates an error value; normally only the Postgres module creates these.
    public init(sqlState: String? = nil, message: String, detail: String? = nil, isConnectionError: Bool = false,
                column: String? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.isConnectionError = isConnectionError
        self.column = column
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

    /// The column named in a COPY error's context, `COPY table, line N, column NAME: value`:
    /// the identifier after `column ` (letters, digits, `_`), nil when there is none.
    static func copyColumn(context: String) -> String? {
        let bytes = Array(context.utf8)
        let marker = Array(", column ".utf8)
        guard bytes.count > marker.count,
              let start = (0...(bytes.count - marker.count)).first(where: { bytes[$0..<($0 + marker.count)].elementsEqual(marker) })
        else { return nil }
        let name = bytes[(start + marker.count)...].prefix { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_")
        }
        return name.isEmpty ? nil : String(decoding: name, as: UTF8.self)
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
