import Foundation
import Testing
import TestSupport

/// Issue 18: after `scripts/setup.sh`, a newcomer's plain `swift build` finds librdkafka without
/// `source scripts/env.sh`. Checked on a small package that uses the project's own `CRdKafka`
/// module (module map, shim, pkg-config name) and the same rpath, built with an environment that
/// has no PKG_CONFIG_PATH or LD_LIBRARY_PATH: it must compile, link and load librdkafka 2.8.0.
@Suite("Fresh clone build")
struct FreshBuildTests {
    @Test func plainSwiftBuildFindsLibrdkafkaWithoutEnvSh() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rdkafka-probe-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let module = root + "/CRdKafka"
        try FileManager.default.createDirectory(atPath: module, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/Sources/probe", withIntermediateDirectories: true)
        for file in ["module.modulemap", "shim.h"] {
            try FileManager.default.copyItem(atPath: DeployTests.repositoryRoot + "/Sources/CLibraries/CRdKafka/" + file,
                                             toPath: module + "/" + file)
        }
        try """
            // swift-tools-version:6.1
            import PackageDescription
            let lib = "/var/cache/eduhub/librdkafka-2.8.0/lib"
            let package = Package(name: "probe", targets: [
                .systemLibrary(name: "CRdKafka", path: "CRdKafka", pkgConfig: "rdkafka"),
                .executableTarget(name: "probe", dependencies: ["CRdKafka"],
                                  linkerSettings: [.unsafeFlags(["-Xlinker", "-rpath", "-Xlinker", lib])]),
            ])
            """.write(toFile: root + "/Package.swift", atomically: true, encoding: .utf8)
        try "import CRdKafka\nprint(String(cString: rd_kafka_version_str()))\n"
            .write(toFile: root + "/Sources/probe/main.swift", atomically: true, encoding: .utf8)

        // What a new shell has: no PKG_CONFIG_PATH, LD_LIBRARY_PATH, CPATH or HUB_* variables.
        let inherited = ProcessInfo.processInfo.environment
        var environment: [String: String] = [:]
        for key in ["PATH", "HOME", "TMPDIR", "LANG"] { environment[key] = inherited[key] }
        let swift = try Self.swiftExecutable()
        let build = try ManagedProcess(executable: swift, arguments: ["build", "--package-path", root, "--scratch-path", root + "/.build"],
                                       environment: environment, inheritEnvironment: false)
        let status = try build.waitForExit(timeout: .seconds(600))
        #expect(status == 0, "swift build failed:\n\(build.standardOutput())\n\(build.standardError())")
        guard status == 0 else { return }
        let probe = try ManagedProcess(executable: root + "/.build/debug/probe", environment: environment, inheritEnvironment: false)
        #expect(try probe.waitForExit(timeout: .seconds(30)) == 0)
        #expect(probe.standardOutput() == "2.8.0\n", "loaded librdkafka \(probe.standardOutput())")
    }

    /// Where the headers cannot be found (here: no include path at all), the build stops with
    /// the shim's message saying what to run, not just "file not found".
    @Test func aMissingLibrdkafkaSaysWhatToRun() throws {
        let clang = URL(fileURLWithPath: try Self.swiftExecutable()).deletingLastPathComponent().appendingPathComponent("clang").path
        let compile = try ManagedProcess(executable: clang, arguments: [
            "-fsyntax-only", "-nostdinc", "-x", "c", DeployTests.repositoryRoot + "/Sources/CLibraries/CRdKafka/shim.h"])
        #expect(try compile.waitForExit(timeout: .seconds(60)) != 0)
        #expect(compile.standardError().contains("librdkafka headers not found: run scripts/setup.sh"), "\(compile.standardError())")
    }

    /// The `swift` driver of the toolchain running this test.
    static func swiftExecutable() throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/swift"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        if FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/swift") { return "/opt/swift/usr/bin/swift" }
        throw SwiftNotFound()
    }

    struct SwiftNotFound: Error, CustomStringConvertible {
        var description: String { "no swift executable on PATH" }
    }
}
