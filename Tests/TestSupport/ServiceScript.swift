import Foundation
import Synchronization

/// Runs `scripts/services.sh` of this repository.
enum ServiceScript {
    /// The repository root, three levels above this file (Tests/TestSupport/<file>).
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var scriptPath: String { repositoryRoot + "/scripts/services.sh" }

    /// Runs the script with `arguments` and waits for it. Output goes to a temporary file
    /// (not a pipe, which the long-lived services it starts could keep open).
    /// - Throws: ``ServicesError`` with the script's own one-line error on failure.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws {
        let logPath = NSTemporaryDirectory() + "hub-services-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [scriptPath] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try withUnblockedSignals { try process.run() }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let lastLine = output.split(whereSeparator: \.isNewline).last.map(String.init)
            throw ServicesError(lastLine ?? "services.sh \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }

    private static let directoriesToStop = Mutex<[String]>([])

    /// Registers `directory` to be stopped (by `services.sh stop`, by PID) when the process
    /// exits normally.
    static func stopAtExit(_ directory: String) {
        _ = stopAllAtExit
        directoriesToStop.withLock { $0.append(directory) }
    }

    /// Installed once, on first use (a static's initializer runs exactly once).
    private static let stopAllAtExit: Void = {
        atexit {
            for directory in ServiceScript.directoriesToStop.withLock({ $0 }) {
                try? ServiceScript.run(["stop", directory])
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }()
}
