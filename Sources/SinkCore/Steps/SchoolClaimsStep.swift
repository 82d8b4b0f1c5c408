import HubCore
import HubStore
import Postgres
import Topology

/// Step: the evidence the one-school-per-person monitors need beyond the current state. A
/// person's claim at a school is that school's latest report of them; the state already holds
/// the claim of their current school, so only reports by *other* schools are logged: every
/// record of the batch from a school other than the entity's school after the batch, and a
/// replaced version whose school differs (a transfer leaves the old school's last report).
/// The log is append-only and unindexed (a redelivered report is a harmless duplicate: the
/// evaluation takes the latest per person and school); ``UniquenessEvaluation`` reads it.
struct SchoolClaimsStep {
    let schema: HubSchema
    /// The record types whose claims the monitors read, as bits by wire code: asked for every
    /// record of a batch, a `Set` hashed each record's type with SipHash.
    private let typeBits: UInt64

    init(schema: HubSchema, topology: Topology) {
        self.schema = schema
        var bits: UInt64 = 0
        for m in topology.monitors where (m.rule as? any StateQueryRule)?.readsSchoolClaims == true {
            bits |= Self.bit(m.recordType)
        }
        typeBits = bits
    }

    private static func bit(_ type: RecordType) -> UInt64 { UInt64(1) << UInt64(type.wireCode & 63) }

    static let columns = ["record_type", "entity_key", "school_code", "status", "updated_at_us", "src_partition", "src_offset", "src_row"]

    /// Returns the number of claims logged.
    @discardableResult
    func apply(_ db: PGConnection, _ changes: StateChanges) throws -> Int {
        guard typeBits != 0 else { return 0 }
        // The claims as places in the batch's records and the stored versions, written from
        // where they lie (copying each ~270-byte record into a list cost a retain per string).
        var fromRecords: [Int] = []
        var fromStored: [Int] = []
        for i in changes.records.indices
        where typeBits & Self.bit(changes.records[i].type) != 0 && changes.records[i].schoolCode != changes.finalSchool(ofRecord: i) {
            fromRecords.append(i)
        }
        for e in changes.changed {
            let k = Int(changes.entities[e].stored)
            guard k >= 0, typeBits & Self.bit(changes.storedVersions[k].type) != 0,
                  changes.storedVersions[k].schoolCode != changes.records[changes.entities[e].best].schoolCode else { continue }
            fromStored.append(k)
        }
        guard !fromRecords.isEmpty || !fromStored.isEmpty else { return 0 }
        try db.copyInBinary("COPY \(schema.name).school_claims (\(Self.columns.joined(separator: ", "))) FROM STDIN WITH (FORMAT binary)") { w in
            changes.records.withUnsafeBufferPointer { records in
                for i in fromRecords where records.indices.contains(i) { Self.write(records, i, &w) }
            }
            changes.storedVersions.withUnsafeBufferPointer { stored in
                for k in fromStored where stored.indices.contains(k) { Self.write(stored, k, &w) }
            }
        }
        return fromRecords.count + fromStored.count
    }

    /// One claim: record `i` of `records`, its fields read in place.
    private static func write(_ records: UnsafeBufferPointer<StandardRecord>, _ i: Int, _ w: inout PGBinaryCopyWriter) {
        w.beginRow(fields: Int16(columns.count))
        w.int16(Int16(records[i].type.wireCode))
        w.digest(records[i].key)
        w.text(records[i].schoolCode)
        w.int16(records[i].status)
        w.int64(records[i].updatedAtMicros)
        w.int32(records[i].position.partition)
        w.int64(records[i].position.offset)
        w.int32(records[i].position.row)
    }
}
