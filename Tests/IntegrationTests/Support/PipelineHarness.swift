import Foundation
import HubCore
import Kafka
import Postgres
import TestSupport

/// One test's private pipeline: its own topics (a unique prefix), database, consumer groups
/// and topology directory, on the shared broker and PostgreSQL, with the workers started as
/// the real executables. Everything it started is stopped when it is released.
final class PipelineHarness: @unchecked Sendable {
    enum Stage: String, CaseIterable { case ingest, transform, sink }

    let name: String
    let prefix: String
    let brokers: String
    let database: String
    let topologyDirectory: String
    let partitions: Int
    private(set) var workers: [(stage: Stage, process: ManagedProcess)] = []
    /// The deployment without hub-ingest: every Transform started reads and decodes the raw
    /// topics itself (`--input raw`), and its group commits the raw offsets.
    var transformReadsRaw = false
    private let producer: KafkaProducer
    private let secret = "integration-test-person-code-secret"

    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let binDirectory: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
            repositoryRoot + "/.build/debug",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/hub-ingest") } ?? candidates[1]
    }()

    /// - Parameter topology: a topology directory; the shipped one when nil.
    /// - Parameter services: private services for fault tests; the shared ones when nil.
    /// Nil when the worker executables are at least as new as their sources (checked once).
    static let staleBinaries: String? = BinaryFreshness.problem(
        binDirectory: binDirectory, repositoryRoot: repositoryRoot,
        executables: ["hub-ingest", "hub-transform", "hub-sink", "hubctl"])

    init(_ name: String, topology: String? = nil, partitions: Int = 3, services: PrivateServices? = nil) throws {
        if let stale = Self.staleBinaries { throw HarnessError(stale) }
        self.name = name
        self.prefix = "t\(UInt32.random(in: 0...UInt32.max))."
        self.brokers = try services?.kafkaBootstrap ?? TestServices.kafkaBootstrap()
        self.database = try services?.createDatabase(prefix: name) ?? TestServices.createDatabase(prefix: name)
        self.topologyDirectory = topology ?? Self.repositoryRoot + "/Topologies"
        self.partitions = partitions
        self.producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": brokers, "linger.ms": "1"]))
        try hubctl(["topics", "create", "--partitions", String(partitions)])
    }

    deinit {
        for w in workers where w.process.isRunning { w.process.kill() }
    }

    func environment(_ stage: String) -> [String: String] {
        [
            "HUB_KAFKA_BROKERS": brokers,
            "HUB_DATABASE": database,
            "HUB_TOPOLOGY_DIR": topologyDirectory,
            "HUB_TOPIC_PREFIX": prefix,
            "HUB_GROUP": "\(prefix)hub-\(stage)",
            "HUB_PERSON_CODE_KEY": secret,
            "HUB_HTTP_PORT": "0",
            "HUB_BATCH_WAIT_MS": "50",
            "HUB_KAFKA_PROPERTIES": "session.timeout.ms=6000,heartbeat.interval.ms=500",
        ]
    }

    @discardableResult
    func start(_ stage: Stage, extraEnvironment: [String: String] = [:]) throws -> ManagedProcess {
        var env = environment(stage.rawValue)
        if stage == .transform && transformReadsRaw { env["HUB_TRANSFORM_INPUT"] = "raw" }
        let p = try ManagedProcess(executable: Self.binDirectory + "/hub-\(stage.rawValue)",
                                   environment: env.merging(extraEnvironment) { $1 })
        workers.append((stage, p))
        return p
    }

    func startAll() throws {
        for s in Stage.allCases { try start(s) }
    }

    /// SIGTERMs every running worker of `stage` and waits for each; returns their exit
    /// statuses (0: it stopped cleanly, its batch in flight committed).
    @discardableResult
    func stop(_ stage: Stage, timeout: Duration = .seconds(30)) throws -> [Int32] {
        var statuses: [Int32] = []
        for w in workers where w.stage == stage && w.process.isRunning {
            w.process.terminate()
            statuses.append(try w.process.waitForExit(timeout: timeout))
        }
        return statuses
    }

    func stopAll() {
        for w in workers where w.process.isRunning { w.process.terminate() }
        for w in workers { _ = try? w.process.waitForExit(timeout: .seconds(20)) }
        workers.removeAll()
    }

    /// Runs `hubctl` with this pipeline's environment; throws with its output on failure.
    @discardableResult
    func hubctl(_ arguments: [String], timeout: Duration = .seconds(300)) throws -> String {
        let p = try ManagedProcess(executable: Self.binDirectory + "/hubctl", arguments: arguments,
                                   environment: environment("hubctl"))
        let status = try p.waitForExit(timeout: timeout)
        guard status == 0 else {
            throw HarnessError("hubctl \(arguments.joined(separator: " ")) failed (\(status)): \(p.standardOutput()) \(p.standardError())")
        }
        return p.standardOutput()
    }

    /// Waits until every stage has committed everything produced so far.
    func waitUntilCaughtUp(timeout: Int = 180) throws {
        try hubctl(["pipeline", "wait", "--timeout", String(timeout),
                    "--ingest-group", "\(prefix)hub-\(transformReadsRaw ? "transform" : "ingest")", "--transform-group", "\(prefix)hub-transform",
                    "--sink-group", "\(prefix)hub-sink"], timeout: .seconds(timeout + 30))
    }

    // MARK: producing

    func send(_ topic: String, key: String?, value: [UInt8]?, headers: [(String, String)] = [], timestampMs: Int64? = nil) throws {
        try producer.send(topic: prefix + topic, key: key.map { Array($0.utf8) }, value: value,
                          headers: headers.map { KafkaHeader(name: $0.0, string: $0.1) }, timestampMs: timestampMs)
    }

    func send(_ topic: String, key: String?, text: String, headers: [(String, String)] = [], timestampMs: Int64? = nil) throws {
        try send(topic, key: key, value: Array(text.utf8), headers: headers, timestampMs: timestampMs)
    }

    func register(school: String, county: String, timestampMs: Int64? = nil) throws {
        try send("ref.school", key: school,
                 text: "{\"school_code\":\"\(school)\",\"name\":\"school \(school)\",\"county_code\":\"\(county)\",\"stage\":\"primary\"}",
                 timestampMs: timestampMs)
    }

    func flush() throws { try producer.flush(timeout: .seconds(30)) }

    // MARK: reading results

    func query(_ sql: String, _ params: [String?] = []) throws -> PGResult {
        let db = try PGConnection(conninfo: database)
        return try db.query(sql, params)
    }

    /// `level|region|grade|gender` → students, without zero rows.
    func enrollment() throws -> [String: Int] {
        let r = try query("SELECT level, region_code, grade_code, gender_code, students FROM hub.enrollment_agg WHERE students <> 0")
        var out: [String: Int] = [:]
        for i in 0..<r.rowCount { out["\(r.value(i, 0)!)|\(r.value(i, 1)!)|\(r.value(i, 2)!)|\(r.value(i, 3)!)"] = r.int(i, 4) }
        return out
    }

    /// `level|region` → teachers, without zero rows.
    func teachers() throws -> [String: Int] {
        let r = try query("SELECT level, region_code, teachers FROM hub.teacher_agg WHERE teachers <> 0")
        var out: [String: Int] = [:]
        for i in 0..<r.rowCount { out["\(r.value(i, 0)!)|\(r.value(i, 1)!)"] = r.int(i, 2) }
        return out
    }

    /// `level|region|day` → [expected, present], without zero rows.
    func attendance() throws -> [String: [Int]] {
        let r = try query("SELECT level, region_code, day::text, expected, present FROM hub.attendance_agg WHERE expected <> 0 OR present <> 0")
        var out: [String: [Int]] = [:]
        for i in 0..<r.rowCount { out["\(r.value(i, 0)!)|\(r.value(i, 1)!)|\(r.value(i, 2)!)"] = [r.int(i, 3)!, r.int(i, 4)!] }
        return out
    }

    /// reason → quarantined units.
    func quarantineCounts() throws -> [String: Int] {
        let r = try query("SELECT reason, records FROM hub.quarantine_counts")
        var out: [String: Int] = [:]
        for i in 0..<r.rowCount where r.int(i, 1)! != 0 { out[r.value(i, 0)!] = r.int(i, 1) }
        return out
    }

    /// All worker logs, for assertions about what never appears in them.
    func logs() -> String {
        workers.map { $0.process.standardOutput() + $0.process.standardError() }.joined(separator: "\n")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The expected published rows, computed the plain way from a test's own list of final
/// states — independent of the pipeline's code.
enum Expected {
    static func city(_ county: String) -> String { String(county.prefix(4)) + "00" }

    static func enrollment(_ students: [(school: String, county: String, grade: Int, gender: Int, enrolled: Bool)]) -> [String: Int] {
        var out: [String: Int] = [:]
        for s in students where s.enrolled {
            for (level, region) in [("province", "330000"), ("city", city(s.county)), ("county", s.county), ("school", s.school)] {
                out["\(level)|\(region)|\(s.grade)|\(s.gender)", default: 0] += 1
            }
        }
        return out
    }

    static func teachers(_ teachers: [(school: String, county: String, active: Bool)]) -> [String: Int] {
        var out: [String: Int] = [:]
        for t in teachers where t.active {
            for (level, region) in [("province", "330000"), ("city", city(t.county)), ("county", t.county), ("school", t.school)] {
                out["\(level)|\(region)", default: 0] += 1
            }
        }
        return out
    }

    static func attendance(_ rows: [(school: String, county: String, day: String, expected: Int, present: Int)]) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for r in rows {
            for (level, region) in [("province", "330000"), ("city", city(r.county)), ("county", r.county), ("school", r.school)] {
                let k = "\(level)|\(region)|\(r.day)"
                let cur = out[k] ?? [0, 0]
                out[k] = [cur[0] + r.expected, cur[1] + r.present]
            }
        }
        return out
    }
}
