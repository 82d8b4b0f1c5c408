import Foundation
import HubCore
import HubStore
import Postgres

/// Step: the current state. For each entity of the batch, its newest incoming version
/// replaces the stored one when it is newer (SPEC §4: later *updated at*, then source
/// position); an older or equal version changes nothing.
///
/// Keys the partition's filter has never seen are new: they are inserted without a read.
/// The others are read in one probe through the key-hash index; a replaced version is
/// deleted by its row location in the same transaction, so `entity_state` holds exactly one
/// row per entity. No row lock is needed: only the owner of a partition (the offset fence)
/// writes its entities.
struct EntityStateStep {
    let schema: HubSchema

    /// The columns of `entity_state` as written, in COPY order.
    static let columns = [
        "record_type", "key_hash", "entity_key", "school_code", "county_code", "updated_at_us", "src_partition",
        "src_offset", "src_row", "gender", "grade", "status", "day", "class_name", "expected", "present",
        "birth_date", "local_id", "source_time", "q_checked", "q_failed", "std_partition", "stored_at",
    ]

    /// Applies `records` (with the std partition each came from) and returns the changes.
    func apply(_ db: PGConnection, records: [StandardRecord], partitions: [Int32], filters: EntityKeyFilters,
               storedAtMicros: Int64) throws -> StateChanges {
        var changes = StateChanges(records: records)
        var index = EntityIndex(capacity: records.count)
        changes.entityOfRecord.reserveCapacity(records.count)
        changes.entities.reserveCapacity(records.count)
        for i in records.indices {  // by index: a copy of each record (~270 bytes) showed in the profile
            let id = EntityID(type: records[i].type, key: records[i].key)
            if let e = index.find(id, in: changes.entities) {
                let kept = records[changes.entities[e].best].version
                let version = records[i].version
                if kept == version { changes.copies += 1 }
                if kept < version { changes.entities[e].best = i }
                changes.entityOfRecord.append(Int32(truncatingIfNeeded: e))
            } else {
                changes.entityOfRecord.append(Int32(truncatingIfNeeded: changes.entities.count))
                changes.entities.append(.init(id: id, partition: i < partitions.count ? partitions[i] : -1, best: i))
                index.insert(id, as: changes.entities.count - 1, entities: changes.entities)
            }
        }
        try probe(db, &changes, index: index, filters: filters)

        var replacedLocations: [String] = []
        for e in changes.entities.indices {
            let version = records[changes.entities[e].best].version
            let k = Int(changes.entities[e].stored)
            if k >= 0, case let stored = changes.storedVersions[k].version, !(stored < version) {
                if stored == version { changes.copies += 1 } else { changes.staleEntities += 1 }
                continue
            }
            changes.entities[e].changed = true
            changes.changed.append(e)
            if let location = changes.entities[e].oldLocation { replacedLocations.append(location) }
        }
        if !replacedLocations.isEmpty {
            try db.query("DELETE FROM \(schema.name).entity_state WHERE ctid = ANY($1::tid[])",
                         bind: PGArray.text(replacedLocations))
        }
        try insert(db, changes, storedAtMicros: storedAtMicros)
        for e in changes.changed where !changes.entities[e].hasStoredVersion {
            filters.insert(changes.entities[e].id.type, partition: changes.entities[e].partition, changes.entities[e].id.key)
        }
        return changes
    }

    /// Reads the stored versions of the entities the filters may have seen.
    private func probe(_ db: PGConnection, _ changes: inout StateChanges, index: EntityIndex, filters: EntityKeyFilters) throws {
        var hashes: [Int64] = []
        for e in changes.entities.indices {
            let (id, partition) = (changes.entities[e].id, changes.entities[e].partition)
            if filters.mightContain(id.type, partition: partition, id.key) { hashes.append(id.key.prefix64) }
        }
        guard !hashes.isEmpty else { return }
        // The probe must go through the key-hash index: until autovacuum has analysed a growing
        // entity_state, the planner may pick a sequential scan of the whole table for every
        // batch (two benchmark runs: 0.9 s and 7.2 s for ~56k probed keys). The setting holds for
        // this statement only (SET LOCAL, put back right after).
        try db.execute("SET LOCAL enable_seqscan = off")
        let r = try db.queryBinary("""
            SELECT ctid::text AS location, \(Self.columns.dropLast().joined(separator: ", "))
            FROM \(schema.name).entity_state WHERE key_hash = ANY($1::bigint[])
            """, bind: PGArray.integers(hashes))
        try db.execute("SET LOCAL enable_seqscan = on")
        let row = try StoredRow.Columns(r)
        for i in 0..<r.rowCount {
            let old = try row.record(r, i)
            guard let e = index.find(EntityID(type: old.type, key: old.key), in: changes.entities) else { continue }  // another type, same hash
            changes.entities[e].stored = Int32(truncatingIfNeeded: changes.storedVersions.count)
            changes.storedVersions.append(old)
            changes.entities[e].oldLocation = r.text(i, row.location)
        }
    }

    /// Writes the changed entities' new versions, in key-hash order (index inserts in order
    /// touch fewer pages: measured 3.0 against 4.6 µs per row). The sort compares the hashes
    /// gathered beside each row's place, not the records: a comparison that reached into the
    /// ~270-byte records was 2.6 % of the sink's CPU.
    private func insert(_ db: PGConnection, _ changes: StateChanges, storedAtMicros: Int64) throws {
        guard !changes.changed.isEmpty else { return }
        var order: [(hash: Int64, best: Int, partition: Int32)] = []
        order.reserveCapacity(changes.changed.count)
        let entities = changes.entities.span, records = changes.records.span
        for e in changes.changed {
            let best = entities[e].best
            order.append((records[best].key.prefix64, best, entities[e].partition))
        }
        order.sort { $0.hash < $1.hash }
        try db.copyInBinary("COPY \(schema.name).entity_state (\(Self.columns.joined(separator: ", "))) FROM STDIN WITH (FORMAT binary)") { w in
            // Each record read in place through the buffer's addressor (~270 bytes each): a
            // `Span`'s subscript copied every record (memcpy and a retain per string), which was
            // a third of this step's CPU in a profile of the sink.
            changes.records.withUnsafeBufferPointer { records in
                for row in order {
                    // Always true (`best` is an index of these records, set in `apply`); kept so
                    // that no read of the buffer can leave it.
                    guard records.indices.contains(row.best) else { continue }
                    Self.write(records, row.best, partition: row.partition, storedAtMicros: storedAtMicros, &w)
                }
            }
        }
    }

    /// One row, record `i` of `records`; `partition` is the std partition the entity lives in
    /// (-1 when unknown: the row's partition then follows from its key, as before key
    /// generations). Each field is read where the record lies: passing the record itself made
    /// the compiler copy it first (memcpy and a retain per string), since the writer's stores
    /// could, for all it knows, reach the same memory.
    static func write(_ records: UnsafeBufferPointer<StandardRecord>, _ i: Int, partition: Int32, storedAtMicros: Int64,
                      _ w: inout PGBinaryCopyWriter) {
        w.beginRow(fields: Int16(columns.count))
        w.int16(Int16(records[i].type.wireCode))
        w.int64(records[i].key.prefix64)
        w.digest(records[i].key)
        w.text(records[i].schoolCode)
        w.text(records[i].countyCode)
        w.int64(records[i].updatedAtMicros)
        w.int32(records[i].position.partition)
        w.int64(records[i].position.offset)
        w.int32(records[i].position.row)
        w.int16(records[i].gender)
        w.int16(records[i].grade)
        w.int16(records[i].status)
        w.date(daysSince1970: records[i].day)
        w.text(records[i].className)
        w.int64(records[i].expected)
        w.int64(records[i].present)
        w.date(daysSince1970: records[i].birthDay)
        if let id = records[i].localIdCode { w.digest(id) } else { w.null() }
        w.timestamp(microsSince1970: MessageTime.known(records[i].sourceTimestampMs).map { $0 * 1000 })
        w.int64(Int64(bitPattern: records[i].qualityChecked))
        w.int64(Int64(bitPattern: records[i].qualityFailed))
        w.int32(partition >= 0 ? partition : nil)
        w.timestamp(microsSince1970: storedAtMicros)
    }
}

extension PGBinaryCopyWriter {
    /// A key or pseudonym as `bytea`.
    mutating func digest(_ d: Digest32) { bytes(words: d.w0, d.w1, d.w2, d.w3) }
}

/// A stored `entity_state` row read back as the version it holds.
enum StoredRow {
    struct Columns {
        let location, type, key, school, county, updated, partition, offset, row: Int
        let gender, grade, status, day, className, expected, present, birth, localId, sourceTime, checked, failed: Int

        init(_ r: PGBinaryResult) throws {
            location = try r.column("location")
            type = try r.column("record_type")
            key = try r.column("entity_key")
            school = try r.column("school_code")
            county = try r.column("county_code")
            updated = try r.column("updated_at_us")
            partition = try r.column("src_partition")
            offset = try r.column("src_offset")
            row = try r.column("src_row")
            gender = try r.column("gender")
            grade = try r.column("grade")
            status = try r.column("status")
            day = try r.column("day")
            className = try r.column("class_name")
            expected = try r.column("expected")
            present = try r.column("present")
            birth = try r.column("birth_date")
            localId = try r.column("local_id")
            sourceTime = try r.column("source_time")
            checked = try r.column("q_checked")
            failed = try r.column("q_failed")
        }

        func record(_ r: PGBinaryResult, _ i: Int) throws -> StandardRecord {
            guard let type = RecordType(wireCode: UInt8(truncatingIfNeeded: try r.requiredInteger(i, type))),
                  let keyBytes = r.bytes(i, key), let digest = Digest32(bytes: keyBytes) else {
                throw PGDecodingError(column: "record_type/entity_key", row: i, reason: .unparsable("entity"))
            }
            func small(_ c: Int) throws -> Int16? { try r.integer(i, c).map { Int16(truncatingIfNeeded: $0) } }
            let position = SourcePosition(topic: "", partition: Int32(truncatingIfNeeded: try r.requiredInteger(i, partition)),
                                          offset: try r.requiredInteger(i, offset),
                                          row: Int32(truncatingIfNeeded: try r.requiredInteger(i, row)))
            var record = StandardRecord(
                type: type, key: digest, schoolCode: r.text(i, school) ?? "", countyCode: r.text(i, county) ?? "",
                updatedAtMicros: try r.requiredInteger(i, updated), position: position,
                gender: try small(gender), grade: try small(grade), status: try small(status), day: try r.date(i, day),
                className: r.text(i, className), expected: try r.integer(i, expected), present: try r.integer(i, present),
                birthDay: try r.date(i, birth), localIdCode: r.bytes(i, localId).flatMap { Digest32(bytes: $0) },
                sourceTimestampMs: (try r.timestampMicros(i, sourceTime)).map { $0 / 1000 } ?? 0)
            record.qualityChecked = UInt64(bitPattern: try r.requiredInteger(i, checked))
            record.qualityFailed = UInt64(bitPattern: try r.requiredInteger(i, failed))
            return record
        }
    }
}
