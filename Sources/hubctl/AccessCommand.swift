import ArgumentParser
import Foundation
import HubStore
import WorkerRuntime

/// `hubctl access`: login roles that read the published tables of one region and the regions
/// beneath it (row-level security), or the quarantine and raw zone (operators).
struct AccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access", abstract: "Per-level read access to the published tables (PostgreSQL roles).",
        subcommands: [Grant.self, Worker.self, Revoke.self, List.self, Audit.self])

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
            let password = try passwordFile.map(readPassword)
            let ctx = try Context(common)
            let db = try ctx.database()
            try ctx.schema.migrate(db, topology: ctx.topology)
            try asValidation { try AccessControl.grant(grant, password: password, db: db, schema: ctx.schema) }
            say("granted \(grant.level.rawValue)\(grant.region.map { " " + $0 } ?? "") to role \(grant.role)")
        }
    }

    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the login a pipeline worker uses (sink, archive or scheduler), with only its worker's grants.",
            discussion: """
                The login is a member of <schema>_worker_<worker> and owns nothing: it cannot drop, alter or create \
                tables, read what its worker does not read (the sink and scheduler never read raw bytes), or migrate. \
                Run `hubctl db migrate` as the schema's owner; give each worker its own login. The password is sent \
                as a SCRAM verifier computed here, never in clear.
                """)
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "sink, archive or scheduler.") var worker: String
        @Option(name: .long, help: "Login role name: a lower-case letter then 2–40 lower-case letters, digits or _.") var role: String
        @Option(name: .long, help: "File holding the login's password.") var passwordFile: String?

        func run() async throws {
            guard let kind = WorkerRole(rawValue: worker) else {
                throw ValidationError("--worker \"\(worker)\" is not a worker; use one of: \(WorkerRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            do {
                try AccessGrant.checkRoleName(role)
            } catch {
                throw ValidationError(error.description)
            }
            let password = try passwordFile.map(readPassword)
            let ctx = try Context(common)
            let db = try ctx.database()
            if common.checkConfig {
                say("hubctl access worker: configuration ok; would make \(role) a \(kind.rawValue) login")
                return
            }
            try ctx.schema.migrate(db, topology: ctx.topology)
            do {
                try AccessControl.grantWorker(kind, role: role, password: password, db: db, schema: ctx.schema)
            } catch let error as AccessError {
                throw ValidationError(error.description)
            }
            say("created worker login \(role) for \(kind.rawValue) (group \(kind.groupRole(ctx.schema)))")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop a login role made by `access grant`.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Role name.") var role: String

        func run() async throws {
            let ctx = try Context(common)
            try asValidation { try AccessControl.revoke(role: role, db: try ctx.database(), schema: ctx.schema) }
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

/// A password from a file: its first line without surrounding whitespace, never empty.
private func readPassword(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path),
          let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
        throw ValidationError("cannot read a password from \(path)")
    }
    return text
}
