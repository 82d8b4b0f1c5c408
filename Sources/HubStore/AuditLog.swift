import Foundation
import Postgres

/// The audit trail of administrative actions (`<schema>.audit_log`): grants and revokes,
/// quarantine replays, data-space exports and purges, backfills — who, what, when.
public enum AuditLog {
    /// Appends one entry. `actor` defaults to the operating-system user (`$USER`), falling
    /// back to the database user; the database user is always recorded too. Inside the
    /// caller's transaction when there is one, so an action and its entry commit together.
    public static func record(_ db: PGConnection, schema: HubSchema, action: String, actor: String? = nil,
                              details: [String: String]) throws {
        let who = actor ?? ProcessInfo.processInfo.environment["USER"]
        let json = try JSONEncoder.sorted.encode(details)
        try db.query("""
            INSERT INTO \(schema.name).audit_log (actor, action, details) VALUES (coalesce($1, current_user), $2, $3::jsonb)
            """, [who, action, String(decoding: json, as: UTF8.self)])
    }

    /// One entry as stored.
    public struct Entry: Sendable, Codable {
        public var id: Int
        public var at: String
        public var actor: String
        public var dbUser: String
        public var action: String
        public var details: String
    }

    /// The newest entries first.
    public static func recent(_ db: PGConnection, schema: HubSchema, limit: Int = 100) throws -> [Entry] {
        let r = try db.query("""
            SELECT id, at::text AS at, actor, db_user, action, details::text AS details
            FROM \(schema.name).audit_log ORDER BY id DESC LIMIT $1
            """, bind: limit)
        return try r.rows.map {
            Entry(id: try $0.decode("id"), at: try $0.decode("at"), actor: try $0.decode("actor"), dbUser: try $0.decode("db_user"),
                  action: try $0.decode("action"), details: try $0.decode("details"))
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
