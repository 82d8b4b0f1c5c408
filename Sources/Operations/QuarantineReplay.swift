import Foundation
import HubCore
import HubCrypto
import HubStore
import Kafka
import Postgres

/// Sends quarantined records back through Transform, standardised against the registry as it
/// is at replay time, keeping their original source positions — so replaying twice, or
/// replaying a record that already counts, changes nothing (SPEC §1, §4).
///
/// Called in-process by `hubctl quarantine replay` and the scheduler's `quarantine_replay` task.
public struct QuarantineReplay: Sendable {
    public var reason: QuarantineReason
    /// Only records of this school code; nil replays every school.
    public var school: String?
    /// Also replay units that a previous replay already resolved.
    public var includeResolved: Bool

    public init(reason: QuarantineReason, school: String? = nil, includeResolved: Bool = false) {
        self.reason = reason
        self.school = school
        self.includeResolved = includeResolved
    }

    /// What one replay sent.
    public struct Outcome: Sendable, Equatable {
        /// Records sent, in `messages` ingested messages (one per original source message).
        public var records: Int
        public var messages: Int
        /// Units whose stored bytes could not be read back as a record.
        public var skipped: Int

        public init(records: Int, messages: Int, skipped: Int) {
            self.records = records
            self.messages = messages
            self.skipped = skipped
        }

        /// The line the CLI prints and the scheduler records.
        public func summary(reason: QuarantineReason) -> String {
            "replayed \(records) \(reason.rawValue) records from \(messages) messages"
                + (skipped > 0 ? " (\(skipped) could not be read back)" : "")
        }
    }

    /// Where replayed messages go and how sealed bytes are opened.
    public struct Target: Sendable {
        public var kafka: KafkaConfig
        /// The (prefixed) ingested topic Transform consumes.
        public var ingestedTopic: String
        /// nil when no at-rest key is configured; a sealed unit then fails the replay.
        public var keyring: AtRestKeyring?

        public init(kafka: KafkaConfig, ingestedTopic: String, keyring: AtRestKeyring?) {
            self.kafka = kafka
            self.ingestedTopic = ingestedTopic
            self.keyring = keyring
        }
    }

    /// Reads the matching units, sends them as ingested messages, marks them replayed and
    /// records the replay in the audit log.
    public func run(_ db: PGConnection, schema: HubSchema, target: Target, actor: String? = nil) throws -> Outcome {
        let (messages, keys, skipped) = try readUnits(db, schema: schema, keyring: target.keyring)
        let producer = try KafkaProducer(config: target.kafka)
        for (source, message) in messages.sorted(by: { $0.key < $1.key }) {
            try producer.send(topic: target.ingestedTopic, key: Array((keys[source] ?? "").utf8), value: message.encoded())
        }
        try producer.flush(timeout: .seconds(60))
        try db.query("""
            UPDATE \(schema.name).quarantine SET replayed_at = now()
            WHERE reason = $1 AND ($2::text IS NULL OR school_code = $2) AND ($3 OR resolved_at IS NULL)
            """, bind: reason.rawValue, school, includeResolved)
        let outcome = Outcome(records: messages.values.reduce(0) { $0 + $1.records.count }, messages: messages.count, skipped: skipped)
        try AuditLog.record(db, schema: schema, action: "quarantine.replay", actor: actor, details: [
            "reason": reason.rawValue, "school": school ?? "", "include_resolved": String(includeResolved),
            "records": String(outcome.records), "messages": String(outcome.messages)])
        return outcome
    }

    /// The matching units grouped back into their source messages (row 0: the message), with
    /// each message's key (its school code) and the count of units that could not be read.
    func readUnits(_ db: PGConnection, schema: HubSchema, keyring: AtRestKeyring?) throws
        -> (messages: [SourcePosition: IngestedMessage], keys: [SourcePosition: String], skipped: Int) {
        let s = schema.name
        let rows = try db.query("""
            SELECT q.src_topic, q.src_partition, q.src_offset,
                   (extract(epoch FROM q.message_time) * 1000)::bigint AS message_time_ms, r.record, q.school_code, r.sealed
            FROM \(s).quarantine q JOIN \(schema.privateName).quarantine_raw r USING (src_topic, src_partition, src_offset, src_row)
            WHERE q.reason = $1 AND ($2::text IS NULL OR q.school_code = $2) AND r.record IS NOT NULL
              AND ($3 OR q.resolved_at IS NULL)
            ORDER BY q.src_topic, q.src_partition, q.src_offset, q.src_row
            """, bind: reason.rawValue, school, includeResolved)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var messages: [SourcePosition: IngestedMessage] = [:]
        var keys: [SourcePosition: String] = [:]
        var skipped = 0
        for row in rows.rows {
            let source = SourcePosition(topic: try row.decode("src_topic"), partition: try row.decode("src_partition"),
                                        offset: try row.decode("src_offset"), row: 0)
            var bytes = try row.decode("record", as: PGBytea.self).bytes
            // NULL is "not sealed" (rows written before sealing existed).
            if try row.decodeIfPresent("sealed", as: Bool.self) ?? false {
                guard let keyring else { throw OperationError.sealed("quarantined records are") }
                bytes = try keyring.open(bytes)
            }
            var reader = BinaryReader(bytes)
            guard let record = try? RawRecord(from: &reader) else { skipped += 1; continue }
            // A unit without a Kafka time (none was given) is sent with time 0, as before quarantine.
            let timestamp = try row.decodeIfPresent("message_time_ms", as: Int64.self) ?? 0
            var message = messages[source] ?? IngestedMessage(source: source, timestampMs: timestamp, registryAsOfMs: now, records: [])
            message.records.append(record)
            messages[source] = message
            // A unit quarantined before its school was known has no school code: an empty key.
            keys[source] = try row.decodeIfPresent("school_code", as: String.self) ?? ""
        }
        return (messages, keys, skipped)
    }
}
