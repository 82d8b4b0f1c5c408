import Foundation
import Postgres

/// The interface audit (`<schema>.api_audit`): one append-only row per hub-api request.
public enum APIAudit {
    public struct Entry: Sendable, Codable, Equatable {
        public var id: Int64
        public var at: String
        public var clientId: Int64?
        public var clientName: String?
        public var level: String?
        public var region: String?
        public var method: String
        public var endpoint: String
        /// The query parameters as a JSON object (sorted keys).
        public var parameters: String
        public var rowsReturned: Int
        public var status: Int
        public var durationMs: Double
        public var exportId: String?
        public var remoteAddress: String?

        public init(id: Int64 = 0, at: String = "", clientId: Int64?, clientName: String?, level: String?, region: String?,
                    method: String, endpoint: String, parameters: String, rowsReturned: Int, status: Int, durationMs: Double,
                    exportId: String?, remoteAddress: String?) {
            self.id = id
            self.at = at
            self.clientId = clientId
            self.clientName = clientName
            self.level = level
            self.region = region
            self.method = method
            self.endpoint = endpoint
            self.parameters = parameters
            self.rowsReturned = rowsReturned
            self.status = status
            self.durationMs = durationMs
            self.exportId = exportId
            self.remoteAddress = remoteAddress
        }
    }

    public static func record(_ e: Entry, db: PGConnection, schema: HubSchema) throws {
        try db.query("""
            INSERT INTO \(schema.name).api_audit (client_id, client_name, level, region_code, method, endpoint, parameters,
                rows_returned, status, duration_ms, export_id, remote_address)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12)
            """, [e.clientId.map(String.init), e.clientName, e.level, e.region, e.method, e.endpoint, e.parameters,
                  String(e.rowsReturned), String(e.status), String(e.durationMs), e.exportId, e.remoteAddress])
    }

    /// Newest first; optionally one client's requests or the request of one export id.
    public static func recent(db: PGConnection, schema: HubSchema, limit: Int, client: String? = nil,
                              exportId: String? = nil) throws -> [Entry] {
        let r = try db.query("""
            SELECT id, at::text AS at, client_id, client_name, level, region_code, method, endpoint, parameters::text AS parameters,
                   rows_returned, status, duration_ms, export_id, remote_address
            FROM \(schema.name).api_audit
            WHERE ($2::text IS NULL OR client_name = $2) AND ($3::text IS NULL OR export_id = $3)
            ORDER BY id DESC LIMIT $1
            """, bind: limit, client, exportId)
        return try r.rows.map { row in
            Entry(id: try row.decode("id"), at: try row.decode("at"), clientId: try row.decodeIfPresent("client_id"),
                  clientName: try row.decodeIfPresent("client_name"), level: try row.decodeIfPresent("level"),
                  region: try row.decodeIfPresent("region_code"), method: try row.decode("method"), endpoint: try row.decode("endpoint"),
                  parameters: try row.decode("parameters"), rowsReturned: try row.decode("rows_returned"), status: try row.decode("status"),
                  durationMs: try row.decode("duration_ms"), exportId: try row.decodeIfPresent("export_id"),
                  remoteAddress: try row.decodeIfPresent("remote_address"))
        }
    }
}
