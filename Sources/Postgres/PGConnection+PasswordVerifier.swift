import CLibPQ

extension PGConnection {
    /// The verifier PostgreSQL stores for `password` of `role`, computed here by libpq
    /// (`PQencryptPasswordConn`, SCRAM-SHA-256 unless the server's `password_encryption` asks
    /// otherwise), so `CREATE/ALTER ROLE … PASSWORD` carries a verifier and the clear password
    /// never reaches the server, its logs, `pg_stat_statements` or `pg_stat_activity`.
    ///
    /// - Throws: ``PGError`` when libpq cannot compute it (a NUL in the password, an algorithm
    ///   it does not know, or a lost connection while asking the server for the algorithm).
    public func passwordVerifier(_ password: String, role: String) throws -> String {
        guard !password.utf8.contains(0), !role.utf8.contains(0) else {
            throw PGError(message: "a password or role name cannot contain a NUL character")
        }
        // An explicit algorithm saves the round trip and refuses md5 whatever the server says.
        guard let verifier = PQencryptPasswordConn(handle, password, role, "scram-sha-256") else {
            throw PGError(connection: handle, context: "cannot compute the password verifier")
        }
        defer { PQfreemem(verifier) }
        return String(cString: verifier)
    }
}
