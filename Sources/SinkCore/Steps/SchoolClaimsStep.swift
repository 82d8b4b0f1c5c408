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
    let types: Set<RecordType>

    init(schema: HubSchema, topology: Topology) {
        self.schema = schema
        var types: Set<RecordType> = []
        for m in topology.monitors {
            if (m.rule as? any StateQueryRule)?.readsSchoolClaims == true { types.insert(m.recordType) }
        }
        self.types = types
    }

    static let columns = ["record_type", "entity_key", "school_code", "status", "updated_at_us", "src_partition", "src_offset", "src_row"]

    /// Returns the number of claims logged.
    @discardableResult
    func apply(_ db: PGConnection, _ changes: StateChanges) throws -> Int {
        guard !types.isEmpty else { return 0 }
        var claims: [StandardRecord] = []
        for i in changes.records.indices
        where types.contains(changes.records[i].type) && changes.records[i].schoolCode != changes.finalSchool(ofRecord: i) {
            claims.append(changes.records[i])
        }
        for e in changes.changed {
            let k = Int(changes.entities[e].stored)
            guard k >= 0, types.contains(changes.storedVersions[k].type),
                  changes.storedVersions[k].schoolCode != changes.records[changes.entities[e].best].schoolCode else { continue }
            claims.append(changes.storedVersions[k])
        }
        guard !claims.isEmpty else { return 0 }
        try db.copyInBinary("COPY \(schema.name).school_claims (\(Self.columns.joined(separator: ", "))) FROM STDIN WITH (FORMAT binary)") { w in
            for c in claims {
                w.beginRow(fields: Int16(Self.columns.count))
                w.int16(Int16(c.type.wireCode))
                w.digest(c.key)
                w.text(c.schoolCode)
                w.int16(c.status)
                w.int64(c.updatedAtMicros)
                w.int32(c.position.partition)
                w.int64(c.position.offset)
                w.int32(c.position.row)
            }
        }
        return claims.count
    }
}
