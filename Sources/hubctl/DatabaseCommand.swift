import ArgumentParser
import WorkerRuntime

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "The PostgreSQL side.", subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or upgrade the schema (idempotent).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let ctx = try Context(common)
            let db = try ctx.database()
            try ctx.schema.migrate(db, topology: ctx.topology)
            say("schema \(ctx.settings.schema) is up to date")
        }
    }
}
