import Crypto
import Foundation
import Postgres

/// A client of hub-api: a downstream system or a person at one level and region. Requests
/// run under `role`, the level role of that region (a NOLOGIN role made through
/// ``AccessControl/grant(_:password:db:schema:actor:login:)``), so row-level security decides
/// what the client sees.
public struct APIClient: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var level: AccessLevel
    public var region: String?
    public var role: String
    public var createdAt: String
    public var expiresAt: String?
    public var revokedAt: String?

    /// Operators see exact figures and the quarantine; everyone else gets suppressed cells.
    public var isOperator: Bool { level == .operator }
}

/// Creating, revoking, listing and authenticating hub-api clients (`<schema>.api_clients`).
/// A token is 256 random bits shown once; only its SHA-256 is stored.
public enum APIClients {
    /// Tokens start with this, so a leaked one is recognisable in a scan.
    public static let tokenPrefix = "ehk_"

    /// The shared level role of a level and region, e.g. `hub_api_county_330106`.
    public static func roleName(schema: HubSchema, level: AccessLevel, region: String?) -> String {
        level == .operator ? "\(schema.name)_api_operators" : "\(schema.name)_api_\(level.rawValue)_\(region ?? "")"
    }

    /// `^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`.
    public static func checkName(_ name: String) throws(AccessError) {
        let b = Array(name.utf8)
        func ok(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2E || c == 0x2D
        }
        guard (1...64).contains(b.count), b.allSatisfy(ok), b[0] != 0x5F, b[0] != 0x2E, b[0] != 0x2D else {
            throw AccessError("client name \"\(name)\" is not allowed: use 1–64 letters, digits, _, . or -, starting with a letter or digit")
        }
    }

    /// Makes a client and returns it with its token (print it once; it cannot be shown again).
    ///
    /// - Parameter apiLogin: the login hub-api connects as; it becomes a member of the level
    ///   role so it may `SET ROLE` to it (not needed for a superuser). Defaults to the caller.
    public static func create(name: String, level: AccessLevel, region: String?, expiresInDays: Int?, apiLogin: String?,
                              db: PGConnection, schema: HubSchema, actor: String? = nil) throws -> (client: APIClient, token: String) {
        try checkName(name)
        if let expiresInDays, expiresInDays <= 0 { throw AccessError("--expires-days must be positive, not \(expiresInDays)") }
        let role = roleName(schema: schema, level: level, region: region)
        let grant = try AccessGrant(role: role, level: level, region: region)
        let token = newToken()
        return try db.transaction { db in
            if try db.query("SELECT 1 FROM \(schema.name).api_clients WHERE name = $1", [name]).rowCount > 0 {
                throw AccessError("a client named \"\(name)\" exists already; revoke it or choose another name")
            }
            let existing = try db.query("SELECT level, region_code FROM \(schema.name).access_grants WHERE role_name = $1", [role])
            if existing.rowCount == 0 {
                try AccessControl.grant(grant, password: nil, db: db, schema: schema, actor: actor, login: false)
            }
            let login = try apiLogin ?? db.query("SELECT current_user::text").scalar(String.self)
            let superuser = try db.query("SELECT rolsuper FROM pg_roles WHERE rolname = $1", bind: login).rows.first?.decode("rolsuper", as: Bool.self) ?? false
            if !superuser {
                try db.execute("GRANT \(try db.quoteIdentifier(role)) TO \(try db.quoteIdentifier(login))")
            }
            let r = try db.query("""
                INSERT INTO \(schema.name).api_clients (name, level, region_code, role_name, token_sha256, expires_at)
                VALUES ($1, $2, $3, $4, decode($5, 'hex'), CASE WHEN $6::int IS NULL THEN NULL ELSE now() + make_interval(days => $6::int) END)
                RETURNING \(columns)
                """, [name, level.rawValue, region, role, hex(tokenHash(token)), expiresInDays.map(String.init)])
            try AuditLog.record(db, schema: schema, action: "api.client.create", actor: actor, details: [
                "client": name, "level": level.rawValue, "region": region ?? "", "role": role,
                "expires_days": expiresInDays.map(String.init) ?? "never"])
            return (try client(r.firstRow()), token)
        }
    }

    /// Revokes a client: its token stops working at once. The level role stays (other
    /// clients of the same region share it).
    public static func revoke(name: String, db: PGConnection, schema: HubSchema, actor: String? = nil) throws {
        try db.transaction { db in
            let r = try db.query("""
                UPDATE \(schema.name).api_clients SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING id
                """, [name])
            guard r.rowCount == 1 else { throw AccessError("no active client named \"\(name)\"") }
            try AuditLog.record(db, schema: schema, action: "api.client.revoke", actor: actor, details: ["client": name])
        }
    }

    /// Every client, active or not, by name.
    public static func list(db: PGConnection, schema: HubSchema) throws -> [APIClient] {
        let r = try db.query("SELECT \(columns) FROM \(schema.name).api_clients ORDER BY name")
        return try r.rows.map(client)
    }

    /// The active, unexpired client holding `token`, or nil. The stored hash is compared in
    /// constant time after the indexed lookup.
    public static func authenticate(token: String, db: PGConnection, schema: HubSchema) throws -> APIClient? {
        guard token.hasPrefix(tokenPrefix), token.utf8.count < 200 else { return nil }
        let hash = tokenHash(token)
        let r = try db.query("""
            SELECT \(columns), encode(token_sha256, 'hex') AS token_hex FROM \(schema.name).api_clients
            WHERE token_sha256 = decode($1, 'hex') AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            """, [hex(hash)])
        guard r.rowCount == 1, let row = r.rows.first,
              constantTimeEqual(Array(try row.decode("token_hex", as: String.self).utf8), Array(hex(hash).utf8)) else {
            return nil
        }
        return try client(row)
    }

    /// Whether the client is still active (not revoked, not expired): console sessions ask on
    /// every page, so a revocation ends them at once.
    public static func isActive(id: Int64, db: PGConnection, schema: HubSchema) throws -> Bool {
        try db.query("""
            SELECT 1 FROM \(schema.name).api_clients WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            """, [String(id)]).rowCount == 1
    }

    public static func tokenHash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }

    /// Compares every byte whatever the first difference, so the time says nothing about where.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    static func newToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let b64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return tokenPrefix + b64
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }

    private static let columns = """
        id, name, level, region_code, role_name, created_at::text AS created_at, expires_at::text AS expires_at,
        revoked_at::text AS revoked_at
        """

    private static func client(_ row: PGRow) throws -> APIClient {
        APIClient(id: try row.decode("id"), name: try row.decode("name"), level: try row.decode("level"),
                         region: try row.decodeIfPresent("region_code"), role: try row.decode("role_name"),
                         createdAt: try row.decode("created_at"), expiresAt: try row.decodeIfPresent("expires_at"),
                         revokedAt: try row.decodeIfPresent("revoked_at"))
    }
}
