import Foundation
import Testing
import TestSupport

/// The deployment files under deploy/ (container, Compose, Kubernetes, KEDA, systemd) checked
/// by scripts/deploy-check.sh: strict Kubernetes schemas, the ScaledObjects against the
/// Deployments, and every command those files start run with `--check-config` against the
/// binaries of this build — on the shared test broker and a fresh database, so the broker and
/// database checks of `--check-config` are real too.
@Suite("Deployment files")
struct DeployTests {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The executables next to the test bundle, else the default debug build.
    static let binDirectory: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
            repositoryRoot + "/.build/debug",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/hub-ingest") } ?? candidates[1]
    }()

    @Test func everyManifestValidatesAndEveryCommandPassesCheckConfig() throws {
        let brokers = try TestServices.kafkaBootstrap()
        let database = try TestServices.createDatabase(prefix: "deploy_check")
        let check = try ManagedProcess(
            executable: "/bin/bash",
            arguments: [Self.repositoryRoot + "/scripts/deploy-check.sh", Self.binDirectory,
                        "--brokers", brokers, "--database", database])
        // The first run installs kubernetes-validate from PyPI; later runs take seconds.
        let status = try check.waitForExit(timeout: .seconds(900))
        let output = check.standardOutput() + check.standardError()
        #expect(status == 0, "scripts/deploy-check.sh exited \(status):\n\(output)")
        #expect(output.contains("PASS [command]"), "no command was checked:\n\(output)")
        // Every unit file was verified by systemd-analyze; nothing was skipped.
        let units = try FileManager.default.contentsOfDirectory(atPath: Self.repositoryRoot + "/deploy/systemd").filter { $0.hasSuffix(".service") }
        #expect(!units.isEmpty)
        for unit in units { #expect(output.contains("PASS [systemd] \(unit)"), "\(unit) not verified:\n\(output)") }
        #expect(!output.contains("SKIP"), "a check was skipped:\n\(output)")
    }
}
