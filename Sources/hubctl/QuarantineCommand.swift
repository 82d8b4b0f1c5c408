import ArgumentParser
import Foundation
import HubCrypto
import HubCore
import HubStore
import Operations
import Postgres
import WorkerRuntime

struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "Inspect and replay quarantined units (operators only).",
        subcommands: [Summary.self, List.self, Raw.self, Replay.self])

    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Quarantined units per reason, record type and field.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let ctx = try Context(common)
            let db = try ctx.database()
            let r = try db.query("""
                SELECT reason, coalesce(record_type, '-'), coalesce(field, '-'), count(*),
                       count(*) FILTER (WHERE resolved_at IS NOT NULL)
                FROM \(ctx.settings.schema).quarantine GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """)
            say("reason  record_type  field  units  resolved_by_replay")
            // Every column is coalesced or counted: never NULL.
            for row in r.rows { say(try (0..<5).map { try row.decode(at: $0, as: String.self) }.joined(separator: "  ")) }
        }
    }

    /// The units themselves, newest first: position, reason, field, school, Kafka time and the
    /// content-free detail (raw bytes stay in the private schema). Shows what the stages
    /// isolated as poison too (`--isolated`: details written by the sink's isolation or cut to
    /// fit an internal message).
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List quarantined units (position, reason, field, school, detail).")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Only this reason.") var reason: String?
        @Flag(name: .long, help: "Only units isolated as poison (sink isolation, records too large for an internal message).")
        var isolated = false
        @Option(name: .long, help: "At most this many units. Default 50.") var limit = 50

        func run() async throws {
            let ctx = try Context(common)
            if let reason, QuarantineReason(rawValue: reason) == nil {
                throw ValidationError("unknown reason \"\(reason)\"; use one of: " + QuarantineReason.allCases.map(\.rawValue).joined(separator: ", "))
            }
            guard limit > 0 else { throw ValidationError("--limit must be positive") }
            let db = try ctx.database()
            let r = try db.query("""
                SELECT src_topic || '/' || src_partition || '@' || src_offset || '#' || src_row, reason, coalesce(field, '-'),
                       coalesce(school_code, '-'), coalesce(to_char(message_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'), '-'),
                       coalesce(detail, '')
                FROM \(ctx.settings.schema).quarantine
                WHERE ($1::text IS NULL OR reason = $1)
                  AND (NOT $2 OR detail LIKE 'isolated by the sink%' OR detail LIKE 'stored without%'
                       OR detail LIKE '%over the internal message limit%')
                ORDER BY quarantined_at DESC, 1 LIMIT $3
                """, [reason, isolated ? "true" : "false", String(limit)])
            say("position  reason  field  school  message_time  detail")
            // Every column is coalesced: never NULL.
            for row in r.rows { say(try (0..<6).map { try row.decode(at: $0, as: String.self) }.joined(separator: "  ")) }
        }
    }

    /// Writes one quarantined unit's original bytes to a file (0600), opening a sealed value.
    struct Raw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the original bytes of one quarantined unit to a file (mode 0600), unsealed with the at-rest keys.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long) var topic: String
        @Option(name: .long) var partition: Int32
        @Option(name: .long) var offset: Int64
        @Option(name: .long, help: "Row within the value (0 for a whole-value unit).") var row: Int32 = 0
        @Option(name: .long, help: "Output file (created with mode 0600).") var out: String
        @OptionGroup var crypto: CryptoOptions

        func run() async throws {
            let keyring = try atRestKeyring(crypto)
            let ctx = try Context(common)
            let db = try ctx.database()
            let r = try db.query("""
                SELECT encode(raw, 'hex'), sealed FROM \(ctx.schema.privateName).quarantine_raw
                WHERE src_topic = $1 AND src_partition = $2 AND src_offset = $3 AND src_row = $4
                """, [topic, String(partition), String(offset), String(row)])
            guard r.rowCount == 1 else { throw ValidationError("no quarantined unit at \(topic)/\(partition)@\(offset) row \(row)") }
            guard let hex = r.value(0, 0), var bytes = RawZoneStore.hexBytes(hex) else {
                throw ValidationError("the unit's raw bytes were purged (retention); its row and count stay")
            }
            if r.value(0, 1) == "t" {
                guard let keyring else {
                    throw ValidationError("the unit's bytes are sealed: give the at-rest key files (--at-rest-key-files / HUB_AT_REST_KEY_FILES)")
                }
                bytes = try keyring.open(bytes)
            }
            try PrivateOutput.write(bytes, to: out)
            try AuditLog.record(db, schema: ctx.schema, action: "quarantine.raw", details: [
                "position": "\(topic)/\(partition)@\(offset)#\(row)", "out": out, "bytes": String(bytes.count)])
            say("wrote \(bytes.count) bytes to \(out)")
        }
    }

    /// Sends quarantined records back through Transform, standardised against the registry
    /// as it is now, keeping their original source positions — so replaying twice, or
    /// replaying a record that already counts, changes nothing.
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay quarantined records through the pipeline (e.g. unknown_school once the registry knows the school).")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Reason to replay. Default unknown_school.") var reason = "unknown_school"
        @Option(name: .long, help: "Only records of this school code.") var school: String?
        @Flag(name: .long, help: "Also replay units that a previous replay already resolved.") var includeResolved = false
        @OptionGroup var crypto: CryptoOptions

        func run() async throws {
            let keyring = try atRestKeyring(crypto)
            let ctx = try Context(common)
            guard let known = QuarantineReason(rawValue: reason) else {
                throw ValidationError("unknown reason \"\(reason)\"; use one of: " + QuarantineReason.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let replay = QuarantineReplay(reason: known, school: school, includeResolved: includeResolved)
            let target = QuarantineReplay.Target(kafka: ctx.kafkaConfig, ingestedTopic: ctx.settings.ingestedTopic, keyring: keyring)
            say(try asValidation { try replay.run(try ctx.database(), schema: ctx.schema, target: target) }.summary(reason: known))
        }
    }
}

/// The at-rest keyring from the crypto options; nil when no key file is given.
func atRestKeyring(_ options: CryptoOptions) throws -> AtRestKeyring? {
    do {
        return try CryptoSettings(options: options).keyring
    } catch {
        throw ValidationError(error.description)
    }
}
