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

    func apply(_ db: PGConnection, _ units: [QuarantineUnit]) throws -> [QuarantineUnit] {
        guard !units.isEmpty else { return [] }
        var seen: Set<SourcePosition> = []
        let unique = units.filter { seen.insert($0.position).inserted }
        try db.copyIn("COPY stage_quarantine (\(Self.columns.joined(separator: ", "))) FROM STDIN") { w in
            for u in unique {
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
        try storeRaw(db, new)
        return new
    }

    /// The raw bytes (and parsed record) of the units stored for the first time, by binary
    /// COPY: a copy's bytes are already there, and as hex text the staging COPY of the
    /// benchmark's 32,264 units took PostgreSQL 0.3–0.5 s against 0.1 s now (and the sink
    /// encoded every byte twice). The insert still skips a position already held, so a raw
    /// row without its quarantine row cannot stop the sink.
    private func storeRaw(_ db: PGConnection, _ units: [QuarantineUnit]) throws {
        guard !units.isEmpty else { return }
        try db.copyInBinary("COPY stage_quarantine_raw (\(Self.rawColumns.joined(separator: ", "))) FROM STDIN WITH (FORMAT binary)") { w in
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
        try db.execute("""
            INSERT INTO \(schema.privateName).quarantine_raw (\(Self.rawColumns.joined(separator: ", ")))
            SELECT \(Self.rawColumns.joined(separator: ", ")) FROM stage_quarantine_raw
            ORDER BY src_topic, src_partition, src_offset, src_row ON CONFLICT DO NOTHING
            """)
    }

    /// The bytes as stored: sealed under the keyring's current key, or as they are without one.
    private func atRest(_ bytes: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let atRest else { return bytes }
        return try atRest.seal(bytes)
    }
}
