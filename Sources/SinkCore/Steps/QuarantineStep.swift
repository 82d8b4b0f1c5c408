import HubCore
import HubCrypto
import HubStore
import Postgres

/// Step: the quarantine. One row per distinct source position (SPEC §4: redelivery and replay
/// never add one), with the raw bytes in the private schema; returns the units stored for
/// the first time (the quarantine monitors count those). The raw bytes' staging table is
/// spelled out rather than `LIKE quarantine_raw`: `LIKE` needs SELECT on the table, which the
/// sink's login does not have (it inserts raw bytes and never reads them back).
///
/// With an at-rest keyring (`HUB_AT_REST_KEY_FILES`) the raw bytes and the parsed record are
/// stored sealed (`sealed = true`), as the archive seals the raw zone: they hold names and ID
/// numbers. Only quarantined units pay for it (about 5 µs per unit under AES-256, 13 µs under
/// SM4: README, "Quarantine sealed at rest"), never the records that pass.
struct QuarantineStep {
    let schema: HubSchema
    var atRest: AtRestKeyring? = nil

    static func stagingSQL(_ s: HubSchema) -> String { """
        CREATE TEMP TABLE IF NOT EXISTS stage_quarantine (LIKE \(s.name).quarantine INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_quarantine_raw (
            src_topic text NOT NULL, src_partition int NOT NULL, src_offset bigint NOT NULL, src_row int NOT NULL,
            raw bytea, record bytea, sealed boolean) ON COMMIT DELETE ROWS;
        """ }

    static let columns = ["src_topic", "src_partition", "src_offset", "src_row", "reason", "field", "detail", "record_type",
                          "school_code", "message_time"]
    static let rawColumns = ["src_topic", "src_partition", "src_offset", "src_row", "raw", "record", "sealed"]

    /// Stores `units` and returns those stored for the first time.
    ///
    /// Almost every batch holds only new positions: a position comes again only after a
    /// transform restart or an operator's replay. So the units are first copied straight into
    /// the quarantine and its raw bytes, in a savepoint and in key order (two sinks holding the
    /// same positions then wait for each other instead of deadlocking); only when a position is
    /// already there (23505, in either table) does the savepoint roll back and the batch go
    /// through the staging tables, whose `ON CONFLICT DO NOTHING RETURNING` names the new ones
    /// (and skips a raw row already held, so one without its quarantine row cannot stop the
    /// sink). The direct path spares PostgreSQL a staged copy of every unit, a sort and a
    /// speculative insert into each table, and the sink the returned positions
    /// (`docs/throughput.md`, eighth pass).
    func apply(_ db: PGConnection, _ units: [QuarantineUnit]) throws -> [QuarantineUnit] {
        guard !units.isEmpty else { return [] }
        var seen: Set<SourcePosition> = []
        let unique = units.filter { seen.insert($0.position).inserted }.sorted { $0.position < $1.position }
        do {
            try db.transaction { db in
                try copyUnits(db, unique, into: "\(schema.name).quarantine")
                try storeRaw(db, unique, into: "\(schema.privateName).quarantine_raw")
            }
            return unique
        } catch let error as PGError where error.sqlState == "23505" {
            return try applyStaged(db, unique)
        }
    }

    /// The path for a batch holding a position already stored: stage, insert what is new.
    private func applyStaged(_ db: PGConnection, _ unique: [QuarantineUnit]) throws -> [QuarantineUnit] {
        try copyUnits(db, unique, into: "stage_quarantine")
        let inserted = try db.query("""
            INSERT INTO \(schema.name).quarantine SELECT * FROM stage_quarantine
            ORDER BY src_topic, src_partition, src_offset, src_row ON CONFLICT DO NOTHING
            RETURNING src_topic, src_partition, src_offset, src_row
            """)
        var stored: Set<SourcePosition> = []
        for row in inserted.rows {
            stored.insert(SourcePosition(topic: try row.decode("src_topic"), partition: try row.decode("src_partition"),
                                         offset: try row.decode("src_offset"), row: try row.decode("src_row")))
        }
        let new = unique.filter { stored.contains($0.position) }
        guard !new.isEmpty else { return [] }
        try storeRaw(db, new, into: "stage_quarantine_raw")
        try db.execute("""
            INSERT INTO \(schema.privateName).quarantine_raw (\(Self.rawColumns.joined(separator: ", ")))
            SELECT \(Self.rawColumns.joined(separator: ", ")) FROM stage_quarantine_raw
            ORDER BY src_topic, src_partition, src_offset, src_row ON CONFLICT DO NOTHING
            """)
        return new
    }

    private func copyUnits(_ db: PGConnection, _ units: [QuarantineUnit], into table: String) throws {
        try db.copyIn("COPY \(table) (\(Self.columns.joined(separator: ", "))) FROM STDIN") { w in
            for u in units {
                w.field(u.position.topic)
                w.field(u.position.partition)
                w.field(u.position.offset)
                w.field(u.position.row)
                w.field(u.reason.rawValue)
                w.field(u.field)
                w.field(u.detail)
                w.field(u.recordType?.rawValue)
                w.field(SchoolCode.dimension(u.schoolCode))
                w.field(timestampMs: u.timestampMs)
                w.endRow()
            }
        }
    }

    /// The raw bytes (and parsed record) of the units stored for the first time, by binary
    /// COPY: a copy's bytes are already there, and as hex text the staging COPY of the
    /// benchmark's 32,264 units took PostgreSQL 0.3–0.5 s against 0.1 s (and the sink encoded
    /// every byte twice).
    private func storeRaw(_ db: PGConnection, _ units: [QuarantineUnit], into table: String) throws {
        try db.copyInBinary("COPY \(table) (\(Self.rawColumns.joined(separator: ", "))) FROM STDIN WITH (FORMAT binary)") { w in
            for u in units {
                w.beginRow(fields: Int16(Self.rawColumns.count))
                w.text(u.position.topic)
                w.int32(u.position.partition)
                w.int64(u.position.offset)
                w.int32(u.position.row)
                w.bytes(try atRest(u.raw))
                if let record = u.record {
                    var bw = BinaryWriter()
                    record.encode(into: &bw)
                    w.bytes(try atRest(bw.bytes))
                } else {
                    w.null()
                }
                // NULL, not false, when unsealed: what rows stored before sealing existed hold.
                if atRest == nil { w.null() } else { w.bool(true) }
            }
        }
    }

    /// The bytes as stored: sealed under the keyring's current key, or as they are without one.
    private func atRest(_ bytes: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let atRest else { return bytes }
        return try atRest.seal(bytes)
    }
}
