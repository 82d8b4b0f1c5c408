import CLibPQ

extension PGConnection {
    /// Quotes `identifier` (e.g. a role or schema name) for splicing into SQL where a
    /// parameter cannot be used, via libpq's `PQescapeIdentifier`: the result is
    /// double-quoted with embedded quotes doubled, so it can never end the identifier.
    /// Prefer `$n` parameters wherever the grammar allows them.
    public func quoteIdentifier(_ identifier: String) throws -> String {
        try escape(identifier, what: "identifier", with: PQescapeIdentifier)
    }

    /// Quotes `literal` as an SQL string literal via libpq's `PQescapeLiteral` (which
    /// handles quotes and backslashes for this connection's settings). For the rare places
    /// a parameter cannot be used, such as `CREATE ROLE ... PASSWORD '...'`.
    public func quoteLiteral(_ literal: String) throws -> String {
        try escape(literal, what: "literal", with: PQescapeLiteral)
    }

    private func escape(
        _ text: String, what: String,
        with escaper: (OpaquePointer?, UnsafePointer<CChar>?, Int) -> UnsafeMutablePointer<CChar>?
    ) throws -> String {
        // libpq would silently stop at a NUL and quote only the prefix.
        guard !text.utf8.contains(0) else {
            throw PGError(message: "cannot quote an \(what) containing a NUL character")
        }
        let escaped = text.withCString { escaper(handle, $0, text.utf8.count) }
        guard let escaped else {
            throw PGError(connection: handle, context: "cannot quote \(what)")
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }
}
