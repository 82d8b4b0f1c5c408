import ArgumentParser
import Foundation
import HubStore
import WorkerRuntime

/// `hubctl access`: login roles that read the published tables of one region and the regions
/// beneath it (row-level security), or the quarantine and raw zone (operators).
struct AccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access", abstract: "Per-level read access to the published tables (PostgreSQL roles).",
        subcommands: [Grant.self, Revoke.self, List.self, Audit.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a login role limited to a region (province, city, county, school), or an operator login.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "province, city, county, school or operator.") var level: String
        @Option(name: .long, help: "Region code: 330000; a city 33xx00; a county 33xxxx; a 10-digit school code. None for operator.")
        var region: String?
        @Option(name: .long, help: "Role name: a lower-case letter then 2–40 lower-case letters, digits or _.") var role: String
        @Option(name: .long, help: "File holding the role's password (otherwise the role logs in by the server's other methods).")
        var passwordFile: String?

        func run() async throws {
            let grant: AccessGrant
            do {
                grant = try AccessGrant(role: role, level: level, region: region)
            } catch {
                throw ValidationError(error.description)
            }
            var password: String?
            if let passwordFile {
                guard let data = FileManager.default.contents(atPath: passwordFile),
                      let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                    throw ValidationError("cannot read a password from \(passwordFile)")
                }
                password = text
            }
            let ctx = try Context(common)
            let db = try ctx.database()
            try ctx.schema.migrate(db, topology: ctx.topology)
            do {
                try AccessControl.grant(grant, password: password, db: db, schema: ctx.schema)
            } catch let error as AccessError {
                throw ValidationError(error.description)
            }
            say("granted \(grant.level.rawValue)\(grant.region.map { " " + $0 } ?? "") to role \(grant.role)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop a login role made by `access grant`.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Role name.") var role: String

        func run() async throws {
            let ctx = try Context(common)
            let db = try ctx.database()
            do {
                try AccessControl.revoke(role: role, db: db, schema: ctx.schema)
            } catch let error as AccessError {
                throw ValidationError(error.description)
            }
            say("revoked role \(role)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Roles made by `access grant`, with level and region.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let ctx = try Context(common)
            let db = try ctx.database()
            say("role  level  region  granted_at  granted_by")
            for g in try AccessControl.list(db: db, schema: ctx.schema) {
                say([g.grant.role, g.grant.level.rawValue, g.grant.region ?? "-", g.grantedAt, g.grantedBy].joined(separator: "  "))
            }
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The audit log of administrative actions (grants, revokes, replays, exports, purges), newest first.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Most entries to print. Default 50.") var limit = 50

        func run() async throws {
            let ctx = try Context(common)
            let db = try ctx.database()
            say("id  at  actor  db_user  action  details")
            for e in try AuditLog.recent(db, schema: ctx.schema, limit: limit) {
                say("\(e.id)  \(e.at)  \(e.actor)  \(e.dbUser)  \(e.action)  \(e.details)")
            }
        }
    }
}
