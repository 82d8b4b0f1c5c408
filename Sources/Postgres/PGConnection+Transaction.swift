import CLibPQ

extension PGConnection {
    /// Runs `body` inside a transaction: COMMIT when it returns, ROLLBACK when it throws
    /// (the original error is rethrown; a failing ROLLBACK on a dead connection is ignored).
    ///
    /// Called while a transaction is already open, it uses a savepoint instead, so helpers
    /// that need atomicity can be composed.
    ///
    /// - Throws: the body's error, or ``PGError`` when BEGIN/COMMIT fail. A COMMIT that the
    ///   server turns into a ROLLBACK (because a statement failed and the body swallowed the
    ///   error) is reported as an error too, so a lost transaction never looks committed.
    @discardableResult
    public func transaction<T>(_ body: (PGConnection) throws -> T) throws -> T {
        let nested = PQtransactionStatus(handle) != PQTRANS_IDLE
        let savepoint = "hub_savepoint_\(nestingDepth)"
        try execute(nested ? "SAVEPOINT \(savepoint)" : "BEGIN")
        nestingDepth += 1
        defer { nestingDepth -= 1 }
        let value: T
        do {
            value = try body(self)
        } catch {
            try? execute(nested ? "ROLLBACK TO SAVEPOINT \(savepoint); RELEASE SAVEPOINT \(savepoint)" : "ROLLBACK")
            throw error
        }
        if nested {
            try execute("RELEASE SAVEPOINT \(savepoint)")
        } else {
            let result = PQexec(handle, "COMMIT")
            defer { PQclear(result) }
            try check(result, accepting: [PGRES_COMMAND_OK])
            if String(cString: PQcmdStatus(result)) != "COMMIT" {
                throw PGError(sqlState: "40000", message: "transaction was rolled back at COMMIT because a statement in it failed")
            }
        }
        return value
    }
}
