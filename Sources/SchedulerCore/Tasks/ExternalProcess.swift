import Foundation

/// Runs an external program with a time limit, its standard output and error captured.
enum ExternalProcess {
    struct Result {
        var status: Int32
        var output: String
        var timedOut: Bool
    }

    static let inheritedVariables: Set<String> = ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "LD_LIBRARY_PATH"]

    /// `argv[0]` is looked up on PATH unless it contains a slash.
    static func run(_ argv: [String], environment: [String: String], timeoutSeconds: Double) throws -> Result {
        guard let program = argv.first else { throw TaskFailure("command has an empty argv") }
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("hub-task-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let handle = try FileHandle(forWritingTo: outputURL)
        defer { try? handle.close() }
        let process = Process()
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(argv.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = argv
        }
        // Only what every program needs to run is inherited: the scheduler's own environment may
        // hold secrets (PGPASSWORD, key files' paths, tokens) that a task did not ask for.
        let inherited = ProcessInfo.processInfo.environment.filter { inheritedVariables.contains($0.key) }
        process.environment = inherited.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        do {
            try process.run()
        } catch {
            throw TaskFailure("cannot start \(program): \(error)")
        }
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutSeconds * 1000))
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let output = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: String(output.suffix(16_384)), timedOut: timedOut)
    }
}
