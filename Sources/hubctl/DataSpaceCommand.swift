import ArgumentParser
import HubCrypto
import HubStore
import Operations
import WorkerRuntime

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
            let outcome = try asValidation {
                try DataSpaceExport(space: space, directory: out, byteOrderMark: bom).run(try ctx.database(), schema: ctx.schema, keyring: keyring)
            }
            say("exported \(space): \(outcome.rawMessages) raw messages, \(outcome.standardRows) standard-zone rows to \(out)")
        }
    }
}
