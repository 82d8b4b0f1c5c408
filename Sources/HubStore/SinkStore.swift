import Aggregation
import FailureIsolation
import HubCore
import Postgres
import Topology

/// A batch of consumed messages for the sink to commit as one unit.
public struct SinkBatch: Sendable {
    public var records: [StandardRecord] = []
    public var quarantine: [QuarantineUnit] = []
    /// Per partition: the next offset stored now (the fence) and the next offset after this batch.
    public var offsets: [(topic: String, partition: Int32, expected: Int64, next: Int64)] = []

    public init() {}

    public var isEmpty: Bool { offsets.isEmpty }
}

/// What a commit did.
public struct SinkCommitSummary: Sendable {
    public var stateChanges = 0
    public var staleVersions = 0
    /// Units the sink already had: standard records whose version (so source position) is
    /// the one in effect or another record's of the same batch, and quarantine units already
    /// stored — redelivered or replayed copies, which change nothing.
    public var redeliveredCopies = 0
    public var newQuarantined = 0
    public var aggregateRows = 0
    /// Alerts raised by this commit (to publish once it is durable).
    public var alerts: [QualityAlert] = []
    /// Per monitor, units that newly failed (positive changes only, for metrics).
    public var newlyFailed: [String: Int64] = [:]
    /// Units this commit isolated because they failed deterministically; they are in the
    /// quarantine now (standard records as units without raw bytes).
    public var isolated: [QuarantineUnit] = []
    /// Attempts the isolation made (0 when the batch committed at once).
    public var isolationAttempts = 0

    /// Adds what another part of the same commit did.
    mutating func add(_ other: SinkCommitSummary) {
        stateChanges += other.stateChanges
        staleVersions += other.staleVersions
        redeliveredCopies += other.redeliveredCopies
        newQuarantined += other.newQuarantined
        aggregateRows += other.aggregateRows
        alerts += other.alerts
        for (monitor, n) in other.newlyFailed { newlyFailed[monitor, default: 0] += n }
        isolated += other.isolated
    }
}

/// An entity of the current state: its record type and key.
struct EntityKey: Hashable {
    var type: RecordType
    var key: String
}

/// A commit's state changes: the stored version of every entity of the batch that had one,
/// and the batch record that replaces or creates each changed entity (an index into the
/// batch, not a copy).
struct StateChanges {
    let records: [StandardRecord]
    var before: [EntityKey: StandardRecord] = [:]
    var after: [EntityKey: Int] = [:]

    /// The version that replaced `k` in this batch, if one did.
    func new(_ k: EntityKey) -> StandardRecord? { after[k].map { records[$0] } }
}

/// Another consumer has advanced a partition's stored offset: this instance no longer owns
/// it and must not apply the batch (a zombie after a rebalance).
public struct FencedError: Error, CustomStringConvertible, Sendable {
    public var description: String { "stored offsets moved on: another sink instance owns these partitions" }
}

/// The sink's exactly-once commit: state changes, aggregate deltas, quarantine rows and the
/// consumed offsets in ONE PostgreSQL transaction. Applying a batch twice is impossible (the
/// offsets are compare-and-set) and would be harmless anyway (a version not newer than the
/// one in effect changes nothing).
public final class SinkStore {
    let db: PGConnection
    let schema: HubSchema
    let topology: Topology
    private let uniquenessMonitors: [MonitorDefinition]
    private let aggregates: [AggregateTableSQL]
    private let definitions: [AggregateDefinition]
    private var prepared = false

    public init(db: PGConnection, schema: HubSchema, topology: Topology) {
        self.db = db
        self.schema = schema
        self.topology = topology
        self.uniquenessMonitors = topology.monitors.filter { $0.stage == .sinkUniqueness }
        var tables: [AggregateTableSQL] = []
        var defs: [AggregateDefinition] = []
        for s in topology.streams {
            for a in s.aggregates {
                tables.append(AggregateTableSQL(schema: schema.name, definition: a, stream: s))
                defs.append(a)
            }
        }
        self.aggregates = tables.sorted { $0.definition.table < $1.definition.table }
        self.definitions = defs
    }

    var s: String { schema.name }

    /// Session-local staging tables, emptied at every commit.
    private func prepareSession() throws {
        guard !prepared else { return }
        var sql = """
            CREATE TEMP TABLE IF NOT EXISTS stage_offsets (topic text, partition int, expected bigint, next bigint) ON COMMIT DELETE ROWS;
            CREATE TEMP TABLE IF NOT EXISTS stage_state (LIKE \(s).current_state INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
            CREATE TEMP TABLE IF NOT EXISTS stage_quarantine (LIKE \(s).quarantine INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
            CREATE TEMP TABLE IF NOT EXISTS stage_quarantine_raw (LIKE \(schema.privateName).quarantine_raw) ON COMMIT DELETE ROWS;
            """
        sql += "\n" + Self.qualityStagingSQL
        for a in aggregates {
            sql += "\nCREATE TEMP TABLE IF NOT EXISTS stage_\(a.definition.table) (LIKE \(a.qualified) INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;"
        }
        try db.execute(sql)
        prepared = true
    }

    /// Empties the staging tables between the parts of an isolating commit (a normal commit
    /// has one part, and `ON COMMIT DELETE ROWS` empties them after it).
    func clearStaging() throws {
        let tables = ["stage_state", "stage_quarantine", "stage_quarantine_raw", "stage_quality", "stage_activity", "stage_claims"]
            + aggregates.map { "stage_\($0.definition.table)" }
        try db.execute("TRUNCATE " + tables.joined(separator: ", "))
    }

    /// Runs `body`'s statements (lookups of a batch's keys in `current_state`) with index
    /// probes only. A probe per key costs the same at any table size; the planner, seeing
    /// thousands of keys, prefers to scan the whole table, whose cost grows with it (at 1M
    /// students those scans were a third of the run). Only inside the commit's transaction.
    func probingByKey<T>(_ body: () throws -> T) throws -> T {
        try db.execute("SET LOCAL enable_seqscan = off")
        let result = try body()
        try db.execute("SET LOCAL enable_seqscan = on")
        return result
    }

    /// Reconnects after a failure; the session's temporary tables are made again on next use.
    public func reconnect() throws {
        prepared = false
        try db.reset()
    }

    /// The stored next offsets of `partitions` for `group`, creating rows at 0 for new ones.
    public func loadOffsets(group: String, partitions: [(topic: String, partition: Int32)]) throws -> [String: Int64] {
        try db.transaction { db in
            var out: [String: Int64] = [:]
            for p in partitions {
                try db.query("""
                    INSERT INTO \(s).sink_offsets (consumer_group, topic, partition, next_offset)
                    VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING
                    """, [group, p.topic, String(p.partition)])
                let r = try db.query("SELECT next_offset FROM \(s).sink_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3",
                                     [group, p.topic, String(p.partition)])
                out["\(p.topic)#\(p.partition)"] = Int64(r.int(0, 0) ?? 0)
            }
            return out
        }
    }

    /// Commits `batch` exactly once: its state changes, aggregate deltas, quarantine rows and
    /// quality results with its offsets, in one transaction. When that fails deterministically
    /// (a unit the database refuses, a sum that would overflow), the batch is committed again
    /// with its poison units isolated (``commitIsolating(group:_:failure:)``); a transient
    /// failure is thrown for the caller to retry. `beforeCommit` runs inside the transaction
    /// once every statement has run and before COMMIT (a test's crash point).
    public func commit(group: String, _ batch: SinkBatch, beforeCommit: () -> Void = {}) throws -> SinkCommitSummary {
        try prepareSession()
        do {
            return try db.transaction { _ in
                try fence(group: group, batch.offsets)
                let summary = try apply(batch.records, batch.quarantine)
                beforeCommit()
                return summary
            }
        } catch where FailureClass.of(error) == .deterministic {
            return try commitIsolating(group: group, batch, failure: error, beforeCommit: beforeCommit)
        }
    }

    /// Applies standard records and quarantine units inside the open transaction. Applying a
    /// batch in parts, one after the other, gives the same state, aggregates and quality
    /// counts as applying it at once (each part sees what the earlier ones wrote), which is
    /// what poison isolation relies on.
    func apply(_ records: [StandardRecord], _ quarantine: [QuarantineUnit]) throws -> SinkCommitSummary {
        var summary = SinkCommitSummary()
        var quality = QualityDeltas(topology: topology)
        var claims = uniquenessMonitors.map(UniquenessClaims.init)
        for r in records {
            quality.arrived(r.type, school: r.schoolCode, day: r.qualityDay, arrivalMs: r.sourceTimestampMs)
            for i in claims.indices { claims[i].observe(r) }
        }

        var changes = StateChanges(records: records)
        // Latest version per entity within the batch (indices: records are not copied).
        var incoming: [EntityKey: Int] = [:]
        incoming.reserveCapacity(records.count)
        for (i, r) in records.enumerated() {
            let k = EntityKey(type: r.type, key: r.key)
            if let other = incoming[k] {
                let (kept, this) = (records[other].version, r.version)
                if kept == this { summary.redeliveredCopies += 1 }
                if !(kept < this) { continue }
            }
            incoming[k] = i
        }
        if !incoming.isEmpty {
            // The stored versions, locked: one primary-key probe per key, per record type.
            var keysByType: [RecordType: [String]] = [:]
            for k in incoming.keys { keysByType[k.type, default: []].append(k.key) }
            changes.before.reserveCapacity(incoming.count)
            for (type, keys) in keysByType.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let current = try probingByKey {
                    try db.query("""
                        SELECT \(StateRow.columns.joined(separator: ", ")) FROM \(s).current_state
                        WHERE record_type = $1 AND entity_key = ANY($2::text[])
                        ORDER BY entity_key FOR UPDATE
                        """, [type.rawValue, PGArrayLiteral.text(keys)])
                }
                for i in 0..<current.rowCount {
                    let r = try StateRow.decode(current, i)
                    changes.before[EntityKey(type: r.type, key: r.key)] = r
                }
            }
            var deltas = AggregateDeltas(definitions: definitions)
            var created: [Int] = []
            var replaced: [Int] = []
            changes.after.reserveCapacity(incoming.count)
            for (k, i) in incoming {
                let r = records[i]
                let old = changes.before[k]
                if let old, !(old.version < r.version) {
                    if old.version == r.version { summary.redeliveredCopies += 1 } else { summary.staleVersions += 1 }
                    continue
                }
                try deltas.replace(old, with: r)
                quality.replace(old, with: r)
                for i in claims.indices { claims[i].replace(old, with: r) }
                if old == nil { created.append(i) } else { replaced.append(i) }
                changes.after[k] = i
            }
            summary.stateChanges = created.count + replaced.count
            // New entities go straight in; this instance owns their partition, and a
            // zombie writing the same key would fail its offset fence first.
            if !created.isEmpty {
                try db.copyIn("COPY \(s).current_state (\(StateRow.columns.joined(separator: ", "))) FROM STDIN") { w in
                    for i in created { StateRow.write(records[i], &w) }
                }
            }
            if !replaced.isEmpty {
                try db.copyIn("COPY stage_state (\(StateRow.columns.joined(separator: ", "))) FROM STDIN") { w in
                    for i in replaced { StateRow.write(records[i], &w) }
                }
                let updates = StateRow.columns.dropFirst(2).map { "\($0) = st.\($0)" } + ["stored_at = clock_timestamp()"]
                try db.execute("""
                    UPDATE \(s).current_state cs SET \(updates.joined(separator: ", "))
                    FROM stage_state st WHERE cs.record_type = st.record_type AND cs.entity_key = st.entity_key
                    """)
            }
            summary.aggregateRows = try applyDeltas(deltas)
            try recordSchoolRegions(records)
            for r in records where r.replayed {
                try db.query("""
                    UPDATE \(s).quarantine SET resolved_at = coalesce(resolved_at, now())
                    WHERE src_topic = $1 AND src_partition = $2 AND src_offset = $3 AND src_row = $4
                    """, [r.position.topic, String(r.position.partition), String(r.position.offset), String(r.position.row)])
            }
        }
        if !quarantine.isEmpty {
            let inserted = try insertQuarantine(quarantine)
            summary.newQuarantined = inserted.count
            summary.redeliveredCopies += quarantine.count - inserted.count
            countQuarantined(inserted, into: &quality)
        }
        for (k, c) in quality.rows where c.failed > 0 { summary.newlyFailed[k.monitor, default: 0] += c.failed }
        summary.alerts = try commitQuality(&quality, claims: claims, changes: changes)
        return summary
    }

    /// Advances every partition's stored offset from `expected` to `next` in one statement;
    /// any partition whose stored offset is not `expected` any more means another instance
    /// owns it now, and the whole batch is refused.
    func fence(group: String, _ offsets: [(topic: String, partition: Int32, expected: Int64, next: Int64)]) throws {
        guard !offsets.isEmpty else { return }
        try db.copyIn("COPY stage_offsets (topic, partition, expected, next) FROM STDIN") { w in
            for o in offsets {
                w.field(o.topic)
                w.field(o.partition)
                w.field(o.expected)
                w.field(o.next)
                w.endRow()
            }
        }
        let r = try db.query("""
            UPDATE \(s).sink_offsets o SET next_offset = f.next, updated_at = now()
            FROM stage_offsets f
            WHERE o.consumer_group = $1 AND o.topic = f.topic AND o.partition = f.partition AND o.next_offset = f.expected
            """, [group])
        if r.affectedRows != offsets.count { throw FencedError() }
    }

    private func applyDeltas(_ deltas: AggregateDeltas) throws -> Int {
        let rows = deltas.nonZero
        guard !rows.isEmpty else { return 0 }
        var byTable: [String: [(key: AggregateRowKey, deltas: [Int64])]] = [:]
        for r in rows { byTable[r.key.table, default: []].append(r) }
        for a in aggregates {
            guard let tableRows = byTable[a.definition.table] else { continue }
            let stage = "stage_\(a.definition.table)"
            let cols = a.keyColumns + a.definition.measures.map(\.column)
            try db.copyIn("COPY \(stage) (\(cols.joined(separator: ", "))) FROM STDIN") { w in
                for row in tableRows {
                    w.field(row.key.level.rawValue)
                    w.field(row.key.region)
                    for (i, g) in a.definition.groupBy.enumerated() {
                        if a.groupType(g.field) == "date" {
                            w.field(day: Int32(truncatingIfNeeded: row.key.groups[i]))
                        } else {
                            w.field(row.key.groups[i])
                        }
                    }
                    for d in row.deltas { w.field(d) }
                    w.endRow()
                }
            }
            try db.execute(a.mergeStatement(stage: stage))
        }
        return rows.count
    }

    /// Keeps `school_regions` at each school's latest county (one statement per batch). Every
    /// standardised record counts, not only versions that win: a school whose records were all
    /// superseded still has results to roll up.
    private func recordSchoolRegions(_ records: [StandardRecord]) throws {
        var latest: [String: StandardRecord] = [:]
        for r in records where latest[r.schoolCode].map({ $0.updatedAtMicros < r.updatedAtMicros }) ?? true {
            latest[r.schoolCode] = r
        }
        guard !latest.isEmpty else { return }
        let schools = latest.keys.sorted()
        try db.query("""
            INSERT INTO \(s).school_regions (school_code, county_code)
            SELECT * FROM unnest($1::text[], $2::text[]) ORDER BY 1
            ON CONFLICT (school_code) DO UPDATE SET county_code = EXCLUDED.county_code, updated_at = now()
            WHERE \(s).school_regions.county_code <> EXCLUDED.county_code
            """, [PGArrayLiteral.codes(schools), PGArrayLiteral.codes(schools.map { latest[$0]!.countyCode })])
    }

    /// Inserts the units not stored yet; returns those (redelivered units are already there).
    private func insertQuarantine(_ units: [QuarantineUnit]) throws -> [QuarantineUnit] {
        var seen: Set<SourcePosition> = []
        let unique = units.filter { seen.insert($0.position).inserted }
        try db.copyIn("""
            COPY stage_quarantine (src_topic, src_partition, src_offset, src_row, reason, field, detail, record_type,
                                   school_code, message_time) FROM STDIN
            """) { w in
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
        try db.copyIn("COPY stage_quarantine_raw (src_topic, src_partition, src_offset, src_row, raw, record) FROM STDIN") { w in
            for u in unique {
                w.field(u.position.topic)
                w.field(u.position.partition)
                w.field(u.position.offset)
                w.field(u.position.row)
                w.field(Self.byteaText(u.raw))
                if let record = u.record {
                    var bw = BinaryWriter()
                    record.encode(into: &bw)
                    w.field(Self.byteaText(bw.bytes))
                } else {
                    w.field(nil as String?)
                }
                w.endRow()
            }
        }
        let inserted = try db.query("""
            INSERT INTO \(s).quarantine SELECT * FROM stage_quarantine
            ORDER BY src_topic, src_partition, src_offset, src_row ON CONFLICT DO NOTHING
            RETURNING src_topic, src_partition, src_offset, src_row
            """)
        try db.execute("""
            INSERT INTO \(schema.privateName).quarantine_raw SELECT * FROM stage_quarantine_raw
            ORDER BY src_topic, src_partition, src_offset, src_row ON CONFLICT DO NOTHING
            """)
        var stored: Set<SourcePosition> = []
        for i in 0..<inserted.rowCount {
            stored.insert(SourcePosition(topic: inserted.value(i, 0) ?? "", partition: Int32(inserted.int(i, 1) ?? 0),
                                         offset: Int64(inserted.value(i, 2) ?? "") ?? 0, row: Int32(inserted.int(i, 3) ?? 0)))
        }
        return unique.filter { stored.contains($0.position) }
    }

    /// bytea in hex input form.
    static func byteaText(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
