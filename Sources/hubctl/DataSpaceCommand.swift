import ArgumentParser
import CSVOutput
import Foundation
import HubCrypto
import HubStore
import Postgres
import WorkerRuntime
import Zstd

/// `hubctl dataspace`: the schools' and counties' data spaces — retention of the raw zone
/// and export of one space (raw messages and standard-zone rows). Operators only; audited.
struct DataSpaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataspace", abstract: "Raw-zone retention and data-space export (operators only).",
        subcommands: [Purge.self, Export.self])

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete raw messages received more than N days ago (quarantine counts stay).")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Retention in days.") var olderThanDays: Int

        func run() async throws {
            guard olderThanDays >= 0 else { throw ValidationError("--older-than-days must be 0 or more") }
            let ctx = try Context(common)
            let db = try ctx.database()
            let deleted = try RawZoneStore.purge(db, schema: ctx.schema, olderThanDays: olderThanDays)
            say("purged \(deleted) raw messages received more than \(olderThanDays) days ago")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a school's or county's data space to a directory: raw/ (decompressed values, index.ndjson) and standard_zone.csv.",
            discussion: "The export holds personal data: the directories are created with mode 0700 and every file with mode 0600 (an existing directory is narrowed to 0700).")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "A 10-digit school code.") var school: String?
        @Option(name: .long, help: "A county code 33xxxx.") var county: String?
        @Option(name: .long, help: "Output directory (created with mode 0700; files 0600).") var out: String
        @OptionGroup var crypto: CryptoOptions
        @Flag(name: .long, help: "Start standard_zone.csv with a UTF-8 byte-order mark (for Excel).") var bom = false

        func run() async throws {
            let space: DataSpace
            do {
                switch (school, county) {
                case (let s?, nil):
                    try AccessGrant.checkRegion(s, level: .school)
                    space = .school(s)
                case (nil, let c?):
                    try AccessGrant.checkRegion(c, level: .county)
                    space = .county(c)
                default:
                    throw AccessError("give exactly one of --school and --county")
                }
            } catch let error as AccessError {
                throw ValidationError(error.description)
            }
            let keyring: AtRestKeyring?
            do {
                keyring = try CryptoSettings(options: crypto).keyring
            } catch {
                throw ValidationError(error.description)
            }
            let ctx = try Context(common)
            let db = try ctx.database()
            let rawDirectory = URL(fileURLWithPath: out).appendingPathComponent("raw")
            try PrivateOutput.directory(out)
            try PrivateOutput.directory(rawDirectory.path)

            let messages = try RawZoneStore.messages(db, schema: ctx.schema, space: space)
            var index = ""
            for m in messages {
                let file = "\(m.topic)-\(m.partition)-\(m.offset).bin"
                var entry: [String: String] = [
                    "topic": m.topic, "partition": String(m.partition), "offset": String(m.offset), "key": m.key ?? "",
                    "school_code": m.schoolCode ?? "", "county_code": m.countyCode ?? "", "received_at": m.receivedAt,
                    "message_time": m.messageTime ?? "", "headers": m.headers,
                    "record_schools": m.recordSchools.joined(separator: ","),
                ]
                if var compressed = m.compressed {
                    if m.sealed {
                        guard let keyring else {
                            throw ValidationError("raw message \(m.topic)/\(m.partition)/\(m.offset) is sealed: give the at-rest key files (--at-rest-key-files / HUB_AT_REST_KEY_FILES)")
                        }
                        compressed = try keyring.open(compressed)
                    }
                    let bytes = try Zstd.decompress(compressed, maxOutput: 64 << 20)
                    try PrivateOutput.write(bytes, to: rawDirectory.appendingPathComponent(file).path)
                    entry["file"] = "raw/" + file
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                index += String(decoding: try encoder.encode(entry), as: UTF8.self) + "\n"
            }
            try PrivateOutput.write(Array(index.utf8), to: rawDirectory.appendingPathComponent("index.ndjson").path)

            let rows = try RawZoneStore.standardZone(db, schema: ctx.schema, space: space)
            var csv = CSVWriter(byteOrderMark: bom)
            csv.writeRecord(rows.columnNames)
            for i in 0..<rows.rowCount {
                csv.writeRecord((0..<rows.columnNames.count).map { rows.value(i, $0) })
            }
            try PrivateOutput.write(csv.bytes, to: URL(fileURLWithPath: out).appendingPathComponent("standard_zone.csv").path)
            try AuditLog.record(db, schema: ctx.schema, action: "dataspace.export", details: [
                "space": space.description, "out": out, "raw_messages": String(messages.count), "standard_rows": String(rows.rowCount)])
            say("exported \(space): \(messages.count) raw messages, \(rows.rowCount) standard-zone rows to \(out)")
        }
    }
}
