import Foundation
import Testing
import TestSupport

/// Issue 18: every executable answers `--version`, and a bad flag or variable stops it with one
/// line on standard error that names the setting (exit status 2) — checked on the real binaries,
/// which fail before they reach any broker or database.
@Suite("Command lines")
struct CommandLineTests {
    static let executables = ["hub-ingest", "hub-transform", "hub-sink", "hub-scheduler", "hub-archive", "hubctl"]

    func run(_ program: String, _ arguments: [String], _ environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = try ManagedProcess(executable: DeployTests.binDirectory + "/" + program, arguments: arguments, environment: environment)
        let status = try p.waitForExit(timeout: .seconds(60))
        return (status, p.standardOutput(), p.standardError())
    }

    @Test("--version on every executable", arguments: executables)
    func version(program: String) throws {
        let r = try run(program, ["--version"])
        #expect(r.status == 0)
        #expect(r.out.range(of: #"^eduhub \d+\.\d+\.\d+ \(Swift \d+\.\d+\)\n$"#, options: .regularExpression) != nil, "\(r.out)")
    }

    @Test("--help prints the help on standard output and succeeds", arguments: executables)
    func help(program: String) throws {
        let r = try run(program, ["--help"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("USAGE: \(program)"), "\(r.out)")
        #expect(r.err.isEmpty, "\(r.err)")
    }

    @Test("a bad environment value is one line naming the variable",
          arguments: [
            ("hub-ingest", "HUB_MAX_VALUE_BYTES", "1MiB"),
            ("hub-ingest", "HUB_MAX_DECOMPRESSED_BYTES", "16M"),
            ("hub-ingest", "HUB_BATCH_SIZE", "lots"),
            ("hub-transform", "HUB_BATCH_WAIT_MS", "0.5"),
            ("hub-sink", "HUB_HTTP_PORT", "http"),
            ("hub-sink", "HUB_LOG_LEVEL", "verbose"),
            ("hub-archive", "HUB_RAW_RETENTION_DAYS", "a week"),
            ("hub-archive", "HUB_ARCHIVE_ZSTD_LEVEL", "max"),
            ("hub-scheduler", "HUB_SCHEDULER_TICK_MS", "fast"),
          ])
    func badEnvironment(program: String, variable: String, value: String) throws {
        let r = try run(program, ["--topology", DeployTests.repositoryRoot + "/Topologies"], [variable: value])
        #expect(r.status == 2)
        let lines = r.err.split(separator: "\n")
        #expect(lines.count == 1, "\(r.err)")
        #expect(r.err.hasPrefix("\(program): error: \(variable) must be"), "\(r.err)")
        #expect(r.err.contains("\"\(value)\""), "\(r.err)")
    }

    /// The deployment without hub-ingest sets HUB_TRANSFORM_INPUT=raw for every process
    /// (deploy/kubernetes-raw-input's eduhub-config); `hubctl topics acl` run with that
    /// environment grants transform the raw topics and ingest nothing.
    @Test func aclsFollowHubTransformInput() throws {
        let topology = ["topics", "acl", "--topology", DeployTests.repositoryRoot + "/Topologies"]
        let split = try run("hubctl", topology)
        let raw = try run("hubctl", topology, ["HUB_TRANSFORM_INPUT": "raw"])
        #expect(split.status == 0 && raw.status == 0, "\(split.err) \(raw.err)")
        let transformReadsRaw = "User:hub-transform  Allow  Read  Topic  raw.student\n"
        #expect(split.out.contains("User:hub-ingest  Allow  Read  Topic  raw.student\n"), "\(split.out)")
        #expect(!split.out.contains(transformReadsRaw), "\(split.out)")
        #expect(raw.out.contains(transformReadsRaw), "\(raw.out)")
        #expect(!raw.out.contains("User:hub-ingest "), "\(raw.out)")
        // The flag wins over the environment.
        let flag = try run("hubctl", topology + ["--transform-input", "ingested"], ["HUB_TRANSFORM_INPUT": "raw"])
        #expect(flag.out == split.out)
        let bad = try run("hubctl", topology, ["HUB_TRANSFORM_INPUT": "rawx"])
        #expect(bad.status == 2)
        #expect(bad.err == "hubctl: error: HUB_TRANSFORM_INPUT must be one of ingested, raw, not \"rawx\"\n", "\(bad.err)")
    }

    @Test("a bad flag value or an unknown flag is one line naming the flag")
    func badFlags() throws {
        let typed = try run("hub-sink", ["--batch-size", "abc"])
        #expect(typed.status == 2)
        #expect(typed.err.split(separator: "\n").count == 1, "\(typed.err)")
        #expect(typed.err.hasPrefix("hub-sink: error: ") && typed.err.contains("--batch-size"), "\(typed.err)")
        let range = try run("hub-ingest", ["--max-value-bytes", "0"])
        #expect(range.err == "hub-ingest: error: --max-value-bytes must be an integer from 1 to 2147483647 (bytes), not \"0\"\n")
        let unknown = try run("hub-transform", ["--bach-size", "5"])
        #expect(unknown.status == 2)
        #expect(unknown.err.split(separator: "\n").count == 1 && unknown.err.contains("--bach-size"), "\(unknown.err)")
    }
}
