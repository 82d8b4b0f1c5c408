import CLibPQ

extension PGConnection {
    /// Bulk-loads rows with `COPY ... FROM STDIN` in text format, the fastest way into
    /// PostgreSQL (millions of narrow rows per second locally).
    ///
    /// `copySQL` is the COPY statement, e.g. `COPY staging (id, name) FROM STDIN`; `body`
    /// writes the rows through the ``PGCopyWriter``. When `body` throws, the COPY is
    /// aborted (nothing is loaded) and the error rethrown.
    ///
    /// - Returns: the number of rows copied, as reported by the server.
    /// - Throws: ``PGError`` when the statement is not a COPY FROM STDIN, when a row is
    ///   rejected (bad value, constraint violation), or when the connection fails.
    @discardableResult
    public func copyIn(_ copySQL: String, _ body: (inout PGCopyWriter) throws -> Void) throws -> Int {
        try startCopyIn(copySQL)
        var writer = PGCopyWriter(connection: handle)
        do {
            try body(&writer)
        } catch {
            abortCopy("COPY aborted by the client: \(error)")
            throw error
        }
        writer.flush()
        if let failure = writer.failure {
            abortCopy("COPY aborted by the client")
            throw failure
        }
        return try endCopyIn(rowsWritten: writer.rowsWritten)
    }

    /// Sends the COPY statement and checks that the server now expects data.
    func startCopyIn(_ copySQL: String) throws {
        let start = PQexec(handle, copySQL)
        let startStatus = start.map(PQresultStatus)
        if startStatus != PGRES_COPY_IN {
            defer { PQclear(start) }
            // A statement that succeeded but is not COPY FROM STDIN is a programming error.
            if let startStatus, startStatus == PGRES_COMMAND_OK || startStatus == PGRES_TUPLES_OK {
                throw PGError(message: "copyIn needs a COPY ... FROM STDIN statement, got: \(copySQL)")
            }
            try check(start, accepting: [PGRES_COPY_IN])
        }
        PQclear(start)
    }

    /// Ends the data and returns the server's row count.
    func endCopyIn(rowsWritten: Int) throws -> Int {
        guard PQputCopyEnd(handle, nil) == 1 else {
            let error = PGError(connection: handle, context: "COPY could not be finished")
            drainResults()
            throw error
        }
        let result = PQgetResult(handle)
        defer { PQclear(result); drainResults() }
        try check(result, accepting: [PGRES_COMMAND_OK])
        return Int(String(cString: PQcmdTuples(result))) ?? rowsWritten
    }

    /// Abandons a COPY in progress; the server rolls back the statement.
    func abortCopy(_ reason: String) {
        _ = PQputCopyEnd(handle, reason)
        drainResults()
    }

    /// Consumes the remaining results of the current command so the connection is ready
    /// for the next one.
    func drainResults() {
        while let result = PQgetResult(handle) {
            PQclear(result)
        }
    }
}

/// Sends a COPY writer's buffered bytes (text or binary format alike); the error when libpq
/// could not queue them.
func putCopyData(_ buffer: [UInt8], on connection: OpaquePointer) -> PGError? {
    buffer.withUnsafeBytes { putCopyData($0, on: connection) }
}

/// The same for bytes lent by the caller.
func putCopyData(_ bytes: UnsafeRawBufferPointer, on connection: OpaquePointer) -> PGError? {
    guard let length = Int32(exactly: bytes.count) else {
        return PGError(message: "COPY data of \(bytes.count) bytes is more than one message can carry")
    }
    let sent = bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, length) }
    return sent == 1 ? nil : PGError(connection: connection, context: "COPY data could not be sent")
}
