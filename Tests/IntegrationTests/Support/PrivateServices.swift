import Foundation
import Postgres
import TestSupport

/// A broker and PostgreSQL server of one test's own, for fault tests that stop or pause them
/// (the shared ones serve tests running in parallel). Stopped by PID on release.
final class PrivateServices: @unchecked Sendable {
    let directory: String
    let values: [String: String]

    init() throws {
        directory = "/tmp/hub-private-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try Self.script(["start", directory])
        let text = try String(contentsOfFile: directory + "/services.env", encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...]).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        }
        self.values = values
    }

    deinit { try? Self.script(["stop", directory]) }

    var kafkaBootstrap: String { values["KAFKA_BOOTSTRAP"] ?? "" }
    var brokerPID: Int32 { Int32(values["BROKER_PID"] ?? "") ?? 0 }
    var postgresPort: String { values["PG_PORT"] ?? "" }

    func createDatabase(prefix: String) throws -> String {
        let admin = try PGConnection(conninfo: "host=127.0.0.1 port=\(postgresPort) user=postgres dbname=postgres")
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        try admin.execute("CREATE DATABASE \(name)")
        return "host=127.0.0.1 port=\(postgresPort) user=postgres dbname=\(name)"
    }

    func stopPostgres() throws { try Self.script(["pg-stop", directory]) }
    func startPostgres() throws { try Self.script(["pg-start", directory]) }
    func pauseBroker() { kill(brokerPID, SIGSTOP) }
    func resumeBroker() { kill(brokerPID, SIGCONT) }

    /// Runs `scripts/services.sh`; a `start` leaves the script's watchdog, which stops the
    /// services once this test process is gone (however it ended).
    static func script(_ args: [String]) throws {
        let p = try ManagedProcess(executable: "/bin/bash", arguments: [PipelineHarness.repositoryRoot + "/scripts/services.sh"] + args,
                                   environment: ["HUB_SERVICES_OWNER_PID": String(getpid())])
        let status = try p.waitForExit(timeout: .seconds(120))
        guard status == 0 else { throw HarnessError("services.sh \(args.joined(separator: " ")) failed: \(p.standardError())") }
    }
}
