import ArgumentParser
import Foundation
import HubStore
import WorkerRuntime

/// `hubctl api`: the clients of hub-api (tokens) and its interface audit.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "hub-api clients (tokens) and the interface audit.",
        subcommands: [Client.self, Audit.self])

    struct Client: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, revoke and list hub-api clients.", subcommands: [Create.self, Revoke.self, List.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create a client and print its token once (only its SHA-256 is stored).")
            @OptionGroup var common: CommonOptions
            @Option(name: .long, help: "Client name: 1–64 letters, digits, _, . or -.") var name: String
            @Option(name: .long, help: "province, city, county, school or operator.") var level: String
            @Option(name: .long, help: "Region code: 330000; a city 33xx00; a county 33xxxx; a 10-digit school code. None for operator.")
            var region: String?
            @Option(name: .long, help: "The token expires after this many days. Default: never.") var expiresDays: Int?
            @Option(name: .long, help: "The PostgreSQL login hub-api connects as (made a member of the level role). Env HUB_API_LOGIN. Default: this connection's user.")
            var apiLogin: String?
            @Flag(name: .long, help: "Print only the token (for scripts).") var tokenOnly = false

            func run() async throws {
                guard let parsedLevel = AccessLevel(rawValue: level) else {
                    throw ValidationError("--level must be one of: " + AccessLevel.allCases.map(\.rawValue).joined(separator: ", "))
                }
                let ctx = try Context(common)
                let db = try ctx.database()
                try ctx.schema.migrate(db, topology: ctx.topology)
                let login = apiLogin ?? ProcessInfo.processInfo.environment["HUB_API_LOGIN"]
                let created = try asValidation {
                    try APIClients.create(name: name, level: parsedLevel, region: region, expiresInDays: expiresDays,
                                          apiLogin: login, db: db, schema: ctx.schema)
                }
                if tokenOnly {
                    say(created.token)
                    return
                }
                say("created client \(created.client.name): level \(parsedLevel.rawValue)\(region.map { " " + $0 } ?? ""), role \(created.client.role)"
                    + (created.client.expiresAt.map { ", expires \($0)" } ?? ""))
                say("token (shown once, store it now): \(created.token)")
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a client: its token stops working at once.")
            @OptionGroup var common: CommonOptions
            @Option(name: .long, help: "Client name.") var name: String

            func run() async throws {
                let ctx = try Context(common)
                try asValidation { try APIClients.revoke(name: name, db: try ctx.database(), schema: ctx.schema) }
                say("revoked client \(name)")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every client with level, region, expiry and state.")
            @OptionGroup var common: CommonOptions

            func run() async throws {
                let ctx = try Context(common)
                let db = try ctx.database()
                say("name  level  region  role  created_at  expires_at  state")
                for c in try APIClients.list(db: db, schema: ctx.schema) {
                    let state = c.revokedAt != nil ? "revoked \(c.revokedAt ?? "")" : "active"
                    say([c.name, c.level.rawValue, c.region ?? "-", c.role, c.createdAt, c.expiresAt ?? "never", state].joined(separator: "  "))
                }
            }
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The interface audit: every hub-api request (client, endpoint, parameters, rows, status, time), newest first. Operators only.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Most entries to print. Default 50.") var limit = 50
        @Option(name: .long, help: "Only this client's requests.") var client: String?
        @Option(name: .long, help: "Only the request of this CSV export id (X-Export-Id).") var exportId: String?
        @Flag(name: .long, help: "One JSON object per line.") var json = false

        func run() async throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1–100000") }
            let ctx = try Context(common)
            let db = try ctx.database()
            let entries = try APIAudit.recent(db: db, schema: ctx.schema, limit: limit, client: client, exportId: exportId)
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys]
                for entry in entries { say(String(decoding: try e.encode(entry), as: UTF8.self)) }
                return
            }
            say("id  at  client  level  region  method  endpoint  parameters  rows  status  ms  export_id")
            for e in entries {
                say([String(e.id), e.at, e.clientName ?? "-", e.level ?? "-", e.region ?? "-", e.method, e.endpoint, e.parameters,
                     String(e.rowsReturned), String(e.status), String(format: "%.1f", e.durationMs), e.exportId ?? "-"].joined(separator: "  "))
            }
        }
    }
}
