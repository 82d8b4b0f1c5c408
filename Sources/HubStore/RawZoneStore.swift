import FailureIsolation
import Foundation
import HubCore
import Postgres

/// One raw message as the archive keeps it: its position, key, time, headers and the value
/// already zstd-compressed by the caller (HubStore does not link libzstd).
public struct RawZoneMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var timestampMs: Int64?
    /// The zstd frame of the value; nil for a null value.
    public var compressed: [UInt8]?
    public var originalSize: Int?
    public var headers: [(name: String, value: [UInt8]?)]
    /// The school codes the message's records name (``Standardization/RecordSchool``), distinct
    /// and sorted: whose data space the message is, with the registry as of its time.
    public var recordSchools: [String]
    /// Whether ``compressed`` is a sealed value (encryption at rest).
    public var sealed: Bool

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, timestampMs: Int64?,
                compressed: [UInt8]?, originalSize: Int?, headers: [(name: String, value: [UInt8]?)],
                recordSchools: [String] = [], sealed: Bool = false) {
        self.recordSchools = recordSchools
        self.sealed = sealed
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.timestampMs = timestampMs
        self.compressed = compressed
        self.originalSize = originalSize
        self.headers = headers
    }

    /// The one school all records name, when they name exactly one.
    var schoolCode: String? { recordSchools.count == 1 ? recordSchools[0] : nil }
}

/// Whose data space: one school's, or one county's (its own batches and its schools').
public enum DataSpace: Sendable, Hashable, CustomStringConvertible {
    case school(String)
    case county(String)

    public var description: String {
        switch self {
        case .school(let c): "school \(c)"
        case .county(let c): "county \(c)"
        }
    }
}

/// The raw "own zone" in `<schema>_private.raw_zone`: the archive's exactly-once commit
/// (rows and consumed offsets in one transaction, fenced by compare-and-set like the sink's,
/// in `sink_offsets` under the archive's consumer group), retention and export reads.
public final class RawZoneStore {
    private let db: PGConnection
    private let schema: HubSchema
    private var prepared = false
    /// The raw messages and registry versions the last commit isolated because the database
    /// refused them (`topic/partition@offset`, content-free reason): see ``commit(group:_:registry:offsets:)``.
    public private(set) var isolatedInLastCommit: [(position: String, detail: String)] = []

    public init(db: PGConnection, schema: HubSchema) {
        self.db = db
        self.schema = schema
    }

    public func reconnect() throws {
        prepared = false
        try db.reset()
    }

    /// The stored next offsets (`topic#partition` → offset), creating rows at 0 for new partitions.
    public func loadOffsets(group: String, partitions: [(topic: String, partition: Int32)]) throws -> [String: Int64] {
        try db.transaction { db in try StoredOffsets.load(db, schema: schema, group: group, partitions: partitions) }
    }

    /// Stores `messages` and the registry versions `registry` (a redelivered position changes
    /// nothing) and advances the offsets, in one transaction. The Kafka key is kept as
    /// information only: ownership is the schools the records name (`record_schools`).
    ///
    /// - Throws: ``FencedError`` when another instance has moved a stored offset on.
    /// - Returns: rows newly stored (raw messages and registry versions).
    @discardableResult
    public func commit(group: String, _ messages: [RawZoneMessage], registry: [SchoolRegistryVersion] = [],
                       offsets: [OffsetAdvance]) throws -> Int {
        if !prepared {
            // Spelled out rather than `LIKE raw_zone`, which needs SELECT on the whole table: the
            // archive's login may not read the stored bytes back.
            try db.execute("""
                CREATE TEMP TABLE IF NOT EXISTS stage_raw_zone (
                    src_topic text, src_partition int, src_offset bigint, message_key text, school_code text,
                    message_time timestamptz, bytes bytea, original_size int, headers jsonb, record_schools text[],
                    sealed boolean) ON COMMIT DELETE ROWS
                """)
            prepared = true
        }
        isolatedInLastCommit = []
        do {
            return try db.transaction { _ in
                try StoredOffsets.advance(db, schema: schema, group: group, offsets)
                return try store(messages, registry)
            }
        } catch where FailureClass.of(error) == .deterministic {
            return try commitIsolating(group: group, messages, registry: registry, offsets: offsets, failure: error)
        }
    }

    /// The commit of a batch the database refused in part (a deterministic failure): in a new
    /// transaction, with the offsets fenced as before, ``PoisonIsolation`` stores the batch in
    /// savepoints down to the refused units. A refused raw message is stored without its key
    /// and headers (left out if even that is refused); a refused registry version is left out
    /// (the transform reads the topic itself). Both are listed in ``isolatedInLastCommit``.
    private func commitIsolating(group: String, _ messages: [RawZoneMessage], registry: [SchoolRegistryVersion],
                                 offsets: [OffsetAdvance],
                                 failure: any Error) throws -> Int {
        enum Unit { case message(Int), version(Int) }
        return try db.transaction { db in
            try StoredOffsets.advance(db, schema: schema, group: group, offsets)
            var stored = 0
            let units = messages.indices.map(Unit.message) + registry.indices.map(Unit.version)
            _ = try PoisonIsolation.apply(
                units, knownToFail: failure,
                attempt: { body in try db.transaction { _ in try body() } },
                apply: { part in
                    var someMessages: [RawZoneMessage] = []
                    var someVersions: [SchoolRegistryVersion] = []
                    for unit in part {
                        switch unit {
                        case .message(let i): someMessages.append(messages[i])
                        case .version(let i): someVersions.append(registry[i])
                        }
                    }
                    try db.execute("TRUNCATE stage_raw_zone")
                    stored += try store(someMessages, someVersions)
                },
                isolate: { unit, error in
                    let reason = (error as? PGError)?.conditionSummary ?? "\(type(of: error))"
                    switch unit {
                    case .message(let i):
                        var bare = messages[i]
                        bare.key = nil
                        bare.headers = []
                        let position = "\(bare.topic)/\(bare.partition)@\(bare.offset)"
                        do {
                            try db.transaction { _ in
                                try db.execute("TRUNCATE stage_raw_zone")
                                stored += try store([bare], [])
                            }
                            isolatedInLastCommit.append((position, "stored without key and headers: " + reason))
                        } catch where FailureClass.of(error) == .deterministic {
                            isolatedInLastCommit.append((position, "not stored: " + reason))
                        }
                    case .version(let i):
                        let v = registry[i]
                        isolatedInLastCommit.append(("\(v.topic)/\(v.partition)@\(v.offset)", "registry version not stored: " + reason))
                    }
                })
            return stored
        }
    }

    /// Stores raw messages and registry versions inside the open transaction; returns the rows
    /// newly stored.
    private func store(_ messages: [RawZoneMessage], _ registry: [SchoolRegistryVersion]) throws -> Int {
        let versions = try SchoolRegistryStore.insert(db, schema: schema, registry)
        guard !messages.isEmpty else { return versions }
        try db.copyIn("""
            COPY stage_raw_zone (src_topic, src_partition, src_offset, message_key, school_code,
                                 message_time, bytes, original_size, headers, record_schools, sealed) FROM STDIN
            """) { w in
            for m in messages {
                w.field(m.topic)
                w.field(m.partition)
                w.field(m.offset)
                w.field(m.key.map { String(decoding: $0, as: UTF8.self).filter { $0 != "\u{0}" } })
                w.field(m.schoolCode)
                w.field(timestampMs: m.timestampMs)
                w.field(m.compressed.flatMap { PGBytea($0).pgText })
                w.field(m.originalSize.map(String.init))
                w.field(Self.headersJSON(m.headers))
                w.field(PGArrayLiteral.text(m.recordSchools))
                w.field(m.sealed ? "t" : "f")
                w.endRow()
            }
        }
        let inserted = try db.query("""
            INSERT INTO \(schema.privateName).raw_zone (src_topic, src_partition, src_offset, message_key, school_code,
                message_time, bytes, original_size, headers, record_schools, sealed)
            SELECT st.src_topic, st.src_partition, st.src_offset, st.message_key, st.school_code,
                   st.message_time, st.bytes, st.original_size, st.headers, st.record_schools, st.sealed
            FROM stage_raw_zone st
            ORDER BY 1, 2, 3
            ON CONFLICT (src_topic, src_partition, src_offset) DO NOTHING
            """)
        return inserted.affectedRows + versions
    }

    /// Headers as a JSON array of `{name, value}` (value as UTF-8 text, or `hex:` + hex when not
    /// UTF-8 or holding a NUL byte).
    static func headersJSON(_ headers: [(name: String, value: [UInt8]?)]) -> String {
        struct Header: Encodable { var name: String; var value: String? }
        let list = headers.map { h in
            Header(name: h.name, value: h.value.map { v in
                // jsonb holds no U+0000: a value with a NUL byte is kept in hex too.
                (v.contains(0) ? nil : String(validating: v, as: UTF8.self)) ?? "hex:" + v.map { String(format: "%02x", $0) }.joined()
            })
        }
        return (try? String(decoding: JSONEncoder.sorted.encode(list), as: UTF8.self)) ?? "[]"
    }

    // MARK: retention and export

    /// Deletes raw messages received more than `days` days ago; audited. Quarantine rows
    /// and counts are separate tables and stay as they are.
    /// - Returns: rows deleted.
    public static func purge(_ db: PGConnection, schema: HubSchema, olderThanDays days: Int, actor: String? = nil) throws -> Int {
        guard days >= 0 else { throw AccessError("--older-than-days must be 0 or more") }
        return try db.transaction { db in
            let r = try db.query("""
                DELETE FROM \(schema.privateName).raw_zone WHERE received_at < now() - make_interval(days => $1::int)
                """, [String(days)])
            try AuditLog.record(db, schema: schema, action: "dataspace.purge", actor: actor,
                                details: ["older_than_days": String(days), "deleted": String(r.affectedRows)])
            return r.affectedRows
        }
    }

    /// A stored raw message of a data space, value still compressed.
    public struct StoredMessage: Sendable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64
        public var key: String?
        public var schoolCode: String?
        public var countyCode: String?
        public var receivedAt: String
        public var messageTime: String?
        public var compressed: [UInt8]?
        public var headers: String
        /// Whether ``compressed`` is sealed (open it with the at-rest keys before decompressing).
        public var sealed: Bool
        public var recordSchools: [String]
    }

    /// The raw messages of `space`, by position, owned by the registry — never by the Kafka key:
    /// a school's space holds the messages all of whose records name that school, registered
    /// (not deleted) as of the message's time; a county's, the messages all of whose records
    /// name schools of that county as of the message's time. A message naming schools of
    /// several spaces, an unregistered school or none (a whole-value failure) belongs to no
    /// space; operators read it in the raw zone. `county_code` in the result is the county as of
    /// the message's time.
    public static func messages(_ db: PGConnection, schema: HubSchema, space: DataSpace) throws -> [StoredMessage] {
        let s = schema.name
        let condition: String
        let code: String
        switch space {
        case .school(let c):
            condition = "record_schools = ARRAY[$1]::text[] AND \(s).school_county_as_of($1, message_time) IS NOT NULL"
            code = c
        case .county(let c):
            condition = """
                cardinality(record_schools) > 0 AND NOT EXISTS (
                    SELECT 1 FROM unnest(record_schools) u(school)
                    WHERE \(s).school_county_as_of(u.school, message_time) IS DISTINCT FROM $1)
                """
            code = c
        }
        let r = try db.query("""
            SELECT src_topic, src_partition, src_offset, message_key, school_code,
                   \(s).school_county_as_of(record_schools[1], message_time) AS county_code, received_at::text AS received_at,
                   message_time::text AS message_time, encode(bytes, 'hex') AS bytes_hex, headers::text AS headers, sealed,
                   record_schools
            FROM \(schema.privateName).raw_zone WHERE \(condition) ORDER BY src_topic, src_partition, src_offset
            """, bind: code)
        // NULL is meaningful here: no key, no school or county, no Kafka time, bytes purged by retention.
        return try r.rows.map { row in
            StoredMessage(topic: try row.decode("src_topic"), partition: try row.decode("src_partition"), offset: try row.decode("src_offset"),
                          key: try row.decodeIfPresent("message_key"), schoolCode: try row.decodeIfPresent("school_code"),
                          countyCode: try row.decodeIfPresent("county_code"), receivedAt: try row.decode("received_at"),
                          messageTime: try row.decodeIfPresent("message_time"),
                          compressed: try row.decodeIfPresent("bytes_hex", as: String.self).flatMap(hexBytes),
                          headers: try row.decode("headers"), sealed: try row.decode("sealed"),
                          // Messages stored before migration 011 have no record schools.
                          recordSchools: codes(inArray: try row.decodeIfPresent("record_schools") ?? "{}"))
        }
    }

    /// The elements of a text array of codes as PostgreSQL prints it (`{a,b}`: codes need no quotes).
    static func codes(inArray literal: String) -> [String] {
        literal.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").map(String.init)
    }

    /// The standard-zone rows (pseudonymous current state) of `space`, as a result to write out.
    public static func standardZone(_ db: PGConnection, schema: HubSchema, space: DataSpace) throws -> PGResult {
        switch space {
        case .school(let c):
            try db.query("SELECT * FROM \(schema.name).standard_zone WHERE school_code = $1 ORDER BY record_type, entity_key", [c])
        case .county(let c):
            try db.query("SELECT * FROM \(schema.name).standard_zone WHERE county_code = $1 ORDER BY record_type, entity_key", [c])
        }
    }

    /// Lower-case hex (as `encode(…, 'hex')` gives) to bytes.
    public static func hexBytes(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
