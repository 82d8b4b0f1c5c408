import Foundation
import HubCore
import HubStore
import Postgres

/// Step: the current state. For each entity of the batch, its newest incoming version
/// replaces the stored one when it is newer (SPEC §4: later *updated at*, then source
/// position); an older or equal version changes nothing.
///
/// Keys the partition's slot map (``EntitySlots``) does not hold are new: they are inserted
/// without a read. The others are read in one probe of the slots the map names, through the
/// `slot` index; a replaced version is deleted by its row location in the same transaction,
/// so `entity_state` holds exactly one row per entity. Each written row gets a fresh slot
/// from a block of the `entity_slot_blocks` sequence, in write order, so the index grows at
/// its right edge. No row lock is needed: only the owner of a partition (the offset fence)
/// writes its entities.
struct EntityStateStep {
    let schema: HubSchema

    /// The columns of `entity_state` as written, in COPY order (`stored_at` last: the probe
    /// reads all but it).
    static let columns = [
        "record_type", "key_hash", "entity_key", "school_code", "county_code", "updated_at_us", "src_partition",
        "src_offset", "src_row", "gender", "grade", "status", "day", "class_name", "expected", "present",
        "birth_date", "local_id", "source_time", "q_checked", "q_failed", "std_partition", "slot", "stored_at",
    ]

    /// Slots per block of the sequence (one block per batch that writes fewer rows).
    static let blockBits: Int64 = 20

    /// Applies `records` (with the std partition each came from) and returns the changes.
    func apply(_ db: PGConnection, records: [StandardRecord], partitions: [Int32], slots: EntitySlots,
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
        try probe(db, &changes, index: index, slots: slots)

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
            if changes.entities[e].oldSlot != 0 { changes.retired.append(changes.entities[e].pair(slot: changes.entities[e].oldSlot)) }
        }
        if !replacedLocations.isEmpty {
            try db.query("DELETE FROM \(schema.name).entity_state WHERE ctid = ANY($1::tid[])",
                         bind: PGArray.text(replacedLocations))
        }
        try insert(db, changes, slots: slots, storedAtMicros: storedAtMicros)
        return changes
    }

    /// Reads the stored versions of the entities the slot map holds (and, by key hash, of any
    /// whose partition has no map loaded); notes the slots the map named that are gone.
    private func probe(_ db: PGConnection, _ changes: inout StateChanges, index: EntityIndex, slots: EntitySlots) throws {
        var asked: [(slot: Int64, entity: Int32)] = []
        var unmapped: [Int64] = []
        for e in changes.entities.indices {
            let (id, partition) = (changes.entities[e].id, changes.entities[e].partition)
            let loaded = slots.slots(id.type, partition: partition, id.key) { asked.append(($0, Int32(truncatingIfNeeded: e))) }
            if !loaded { unmapped.append(id.key.prefix64) }
        }
        var found = Set<Int64>()
        if !asked.isEmpty {
            // The probe must go through the slot index: until autovacuum has analysed a growing
            // entity_state, the planner may pick a sequential scan of the whole table for every
            // batch. The setting holds for this statement only (SET LOCAL, put back right after).
            try db.execute("SET LOCAL enable_seqscan = off")
            let r = try db.queryBinary(storedRows(where: "slot = ANY($1::bigint[])"), bind: PGArray.integers(asked.map(\.slot)))
            try db.execute("SET LOCAL enable_seqscan = on")
            try read(r, into: &changes, index: index, found: &found)
            for a in asked where !found.contains(a.slot) { changes.retired.append(changes.entities[Int(a.entity)].pair(slot: a.slot)) }
        }
        if !unmapped.isEmpty {
            let r = try db.queryBinary(storedRows(where: "key_hash = ANY($1::bigint[])"), bind: PGArray.integers(unmapped))
            try read(r, into: &changes, index: index, found: &found)
        }
    }

    /// The probe's statement: each stored row's location and every column but `stored_at`.
    private func storedRows(where condition: String) -> String {
        "SELECT ctid::text AS location, \(Self.columns.dropLast().joined(separator: ", ")) FROM \(schema.name).entity_state WHERE \(condition)"
    }

    /// Takes the probed rows that belong to the batch's entities.
    private func read(_ r: PGBinaryResult, into changes: inout StateChanges, index: EntityIndex, found: inout Set<Int64>) throws {
        let row = try StoredRow.Columns(r)
        for i in 0..<r.rowCount {
            let slot = try r.requiredInteger(i, row.slot)
            found.insert(slot)
            let old = try row.record(r, i)
            // Another type or another key with the same hash; or a row already taken.
            guard let e = index.find(EntityID(type: old.type, key: old.key), in: changes.entities),
                  !changes.entities[e].hasStoredVersion else { continue }
            changes.entities[e].stored = Int32(truncatingIfNeeded: changes.storedVersions.count)
            changes.storedVersions.append(old)
            changes.entities[e].oldLocation = r.text(i, row.location)
            changes.entities[e].oldSlot = slot
        }
    }

    /// Writes the changed entities' new versions in batch order, each with the next slot of
    /// a block drawn for the batch, and notes the slots in the map as it goes (a pair noted
    /// for a row that then fails to commit names nothing: ``EntitySlots``).
    private func insert(_ db: PGConnection, _ changes: StateChanges, slots: EntitySlots, storedAtMicros: Int64) throws {
        guard !changes.changed.isEmpty else { return }
        let perBlock = 1 << Int(Self.blockBits)
        var firstSlots: [Int64] = []
        for _ in stride(from: 0, to: changes.changed.count, by: perBlock) {
            let r = try db.query("SELECT nextval('\(schema.name).entity_slot_blocks') AS block")
            guard let block = r.rowCount == 1 ? r.value(0, 0).flatMap({ Int64($0) }) : nil, block >= 1,
                  block <= Int64.max >> Self.blockBits else {
                throw PGError(message: "entity_slot_blocks returned no usable block")
            }
            firstSlots.append(block << Self.blockBits)
        }
        try db.copyInBinary("COPY \(schema.name).entity_state (\(Self.columns.joined(separator: ", "))) FROM STDIN WITH (FORMAT binary)") { w in
            // Each record read in place through the buffer's addressor (~270 bytes each): a
            // `Span`'s subscript copied every record (memcpy and a retain per string), which was
            // a third of this step's CPU in a profile of the sink.
            changes.records.withUnsafeBufferPointer { records in
                for (n, e) in changes.changed.enumerated() {
                    let best = changes.entities[e].best
                    // Always true (`best` is an index of these records, set in `apply`); kept so
                    // that no read of the buffer can leave it.
                    guard records.indices.contains(best) else { continue }
                    let slot = firstSlots[n >> Int(Self.blockBits)] + Int64(n & (perBlock - 1))
                    let entity = changes.entities[e]
                    Self.write(records, best, partition: entity.partition, slot: slot, storedAtMicros: storedAtMicros, &w)
                    slots.insert(entity.id.type, partition: entity.partition, entity.id.key, slot: slot)
                }
            }
        }
    }

    /// One row, record `i` of `records`; `partition` is the std partition the entity lives in
    /// (-1 when unknown: the row's partition then follows from its key, as before key
    /// generations). Each field is read where the record lies: passing the record itself made
    /// the compiler copy it first (memcpy and a retain per string), since the writer's stores
    /// could, for all it knows, reach the same memory.
    static func write(_ records: UnsafeBufferPointer<StandardRecord>, _ i: Int, partition: Int32, slot: Int64,
                      storedAtMicros: Int64, _ w: inout PGBinaryCopyWriter) {
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
        w.int64(slot)
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
        let location, slot, type, key, school, county, updated, partition, offset, row: Int
        let gender, grade, status, day, className, expected, present, birth, localId, sourceTime, checked, failed: Int

        init(_ r: PGBinaryResult) throws {
            location = try r.column("location")
            slot = try r.column("slot")
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
