import HubCore
import HubStore
import Postgres

/// Step: a quarantined unit that a replay standardised is marked resolved (its row stays, so
/// the quarantine counts never change).
struct ReplayResolutionStep {
    let schema: HubSchema

    func apply(_ db: PGConnection, _ records: [StandardRecord]) throws {
        // By index: iterating the records would copy each one (~270 bytes) to read one flag.
        guard records.indices.contains(where: { records[$0].replayed }) else { return }
        let replayed = records.filter(\.replayed)
        try db.query("""
            UPDATE \(schema.name).quarantine q SET resolved_at = coalesce(q.resolved_at, now())
            FROM unnest($1::text[], $2::int[], $3::bigint[], $4::int[]) AS p(topic, partition, "offset", "row")
            WHERE q.src_topic = p.topic AND q.src_partition = p.partition AND q.src_offset = p."offset" AND q.src_row = p."row"
            """, bind: PGArray.text(replayed.map(\.position.topic)), PGArray.integers(replayed.map(\.position.partition)),
                 PGArray.integers(replayed.map(\.position.offset)), PGArray.integers(replayed.map(\.position.row)))
    }
}
