import Foundation
import HubStore
import Postgres
import TestSupport
import Topology

/// A fresh database migrated with the shipped topology and seeded with one row per region in
/// every published table: province 330000, cities 330100/330200, counties 330106/330102/330212
/// and schools in each (with their `school_regions`).
struct AccessFixture {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let topologyDirectory = repositoryRoot + "/Topologies"

    static let shippedTopology: Topology = {
        do {
            return try TopologyLoader.load(directory: topologyDirectory)
        } catch {
            fatalError("the shipped topology does not load: \(error)")
        }
    }()

    /// The executables built next to the test bundle (or in a scratch directory).
    static let binDirectory: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
            repositoryRoot + "/.build-access/debug",
            repositoryRoot + "/.build/debug",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/hubctl") } ?? candidates[2]
    }()

    static let schools = ["3301060001": "330106", "3301060002": "330106", "3301020001": "330102", "3302120001": "330212"]
    static let regions: [Row] = [
        Row("province", "330000"), Row("city", "330100"), Row("city", "330200"),
        Row("county", "330102"), Row("county", "330106"), Row("county", "330212"),
    ] + schools.keys.sorted().map { Row("school", $0) }

    /// A (level, region_code) pair as a role sees it.
    struct Row: Hashable, CustomStringConvertible {
        var level: String
        var region: String
        init(_ level: String, _ region: String) { self.level = level; self.region = region }
        var description: String { "\(level)/\(region)" }
    }

    let conninfo: String
    let db: PGConnection
    let schema = HubSchema(name: "hub")
    let topology: Topology

    init(_ name: String, topology: Topology = AccessFixture.shippedTopology) throws {
        conninfo = try TestServices.createDatabase(prefix: name)
        db = try PGConnection(conninfo: conninfo)
        self.topology = topology
        try schema.migrate(db, topology: topology)
    }

    /// Every published (aggregate) table of the topology.
    var publishedTables: [String] { topology.streams.flatMap(\.aggregates).map { "hub.\($0.table)" } }

    /// One row per region in every aggregate table, and the schools' counties.
    func seed() throws {
        for (school, county) in Self.schools {
            try db.query("INSERT INTO hub.school_regions (school_code, county_code) VALUES ($1, $2)", [school, county])
        }
        for stream in topology.streams {
            for a in stream.aggregates {
                let groupColumns = a.groupBy.map(\.column)
                let groupValues = a.groupBy.map { stream.field($0.field)?.kind == .date ? "'2026-09-01'" : "11" }
                let measures = a.measures.map(\.column)
                let columns = ["level", "region_code"] + groupColumns + measures
                for r in Self.regions {
                    let values = ["$1", "$2"] + groupValues + measures.map { _ in "1" }
                    try db.query("INSERT INTO hub.\(a.table) (\(columns.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))",
                                 [r.level, r.region])
                }
            }
        }
    }

    /// A connection logged in as `role` (the test cluster trusts local logins).
    func connect(as role: String) throws -> PGConnection {
        try PGConnection(conninfo: conninfo + " user=\(role)")
    }

    /// A role name unique in this run (roles are cluster-wide).
    static func roleName(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Runs an executable from the build directory and returns (status, stdout, stderr).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    timeout: Duration = .seconds(120)) throws -> (status: Int32, output: String, error: String) {
        let p = try ManagedProcess(executable: binDirectory + "/" + executable, arguments: arguments, environment: environment)
        let status = try p.waitForExit(timeout: timeout)
        return (status, p.standardOutput(), p.standardError())
    }
}
