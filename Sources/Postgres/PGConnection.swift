import CLibPQ

/// One blocking libpq connection to PostgreSQL.
///
/// A connection has one owner at a time: it may be moved to another thread (hence
/// `@unchecked Sendable`), but it must never be used from two threads concurrently, since
/// libpq's `PGconn` is not thread-safe. Workers keep one connection per thread or task.
///
/// All values travel in PostgreSQL's text format, always UTF-8 (the client encoding is
/// forced to UTF8). Server notices (e.g. "relation already exists, skipping") are dropped.
public final class PGConnection: @unchecked Sendable {
    let handle: OpaquePointer
    /// Open ``transaction(_:)`` calls, used to name savepoints of nested ones.
    var nestingDepth = 0

    /// Connects with a libpq connection string or URI, e.g.
    /// `"host=127.0.0.1 port=5432 user=postgres dbname=hub"` or `"postgresql://..."`.
    ///
    /// A `connect_timeout` of 10 s applies unless `conninfo` sets one.
    /// - Throws: ``PGError`` with `isConnectionError` set and libpq's reason on one line.
    /// With `pinnedSearchPath`, the session's `search_path` is `pg_catalog, pg_temp` whatever
    /// the conninfo or the role's settings say (it survives ``reset()``): for sessions that own
    /// or write the hub's tables, so no function or operator planted in another schema on the
    /// path is ever resolved. Such a session schema-qualifies everything it names.
    public init(conninfo: String, pinnedSearchPath: Bool = false) throws {
        // Later keywords win, so the caller's conninfo (expanded from "dbname") can override
        // these defaults — but not a pinned search path, which comes after it.
        // Dates as text are ISO (`2026-09-01`) whatever the server, database or role default:
        // reports and pages read `day::text`, and a `SQL, DMY` default would reorder and
        // reshape them.
        let dateStyle = "-c datestyle=ISO,YMD"
        var keywords = ["client_encoding", "connect_timeout", "options", "dbname"]
        var values = ["UTF8", "10", dateStyle, conninfo]
        if pinnedSearchPath {
            keywords.append("options")
            values.append("\(dateStyle) -c search_path=pg_catalog,pg_temp")
        }
        let connection = try withCStringPointers(keywords + [nil]) { keywordPointers in
            try withCStringPointers(values + [nil]) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PGError(message: "libpq could not allocate a connection", isConnectionError: true)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let error = PGError(connection: connection)
            PQfinish(connection)
            throw error
        }
        handle = connection
        PQsetNoticeProcessor(handle, dropNotice, nil)
    }

    deinit {
        PQfinish(handle)
    }

    /// True while the connection is established (`PQstatus` is OK). Only reflects what
    /// libpq last saw: a server that died since the last command is noticed by the next one.
    public var isHealthy: Bool {
        PQstatus(handle) == CONNECTION_OK
    }

    /// Closes and re-opens the connection with the same parameters. Session state
    /// (prepared statements, SET values, open transactions) is lost.
    public func reset() throws {
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PGError(connection: handle)
        }
    }

    /// Runs SQL through the simple query protocol; `sql` may hold several statements
    /// separated by semicolons (they run in one implicit transaction unless they contain
    /// their own BEGIN/COMMIT). Use ``query(_:_:)`` for anything with values in it.
    public func execute(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, accepting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
    }

    /// Runs one statement with `$1, $2, ...` parameters in text format (`nil` is NULL) and
    /// returns its fully materialized result.
    ///
    /// - Throws: ``PGError``; also when a parameter contains a NUL character, which
    ///   PostgreSQL text cannot hold.
    @discardableResult
    public func query(_ sql: String, _ params: [String?] = []) throws -> PGResult {
        let result = try withCStringPointers(params) { pointers in
            PQexecParams(handle, sql, Int32(params.count), nil, pointers, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, accepting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
        guard let result else { throw PGError(message: "libpq returned no result") }
        return PGResult(copying: result, statement: sql)
    }

    /// The process ID of the server backend serving this connection (useful to cancel or
    /// terminate it from another session in tests).
    public func backendPID() -> Int32 {
        PQbackendPID(handle)
    }

    /// Throws the result's error unless its status is one of `accepting`.
    func check(_ result: OpaquePointer?, accepting: [ExecStatusType]) throws {
        guard let result, accepting.contains(PQresultStatus(result)) else {
            throw PGError(result: result, connection: handle)
        }
    }
}

/// Notices are informational ("already exists, skipping"); printing them to stderr, libpq's
/// default, only adds noise to worker logs.
private func dropNotice(_: UnsafeMutableRawPointer?, _: UnsafePointer<CChar>?) {}
