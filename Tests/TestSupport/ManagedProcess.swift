import Foundation
import Synchronization

/// A child process started by a test (a worker binary, a CLI call), with its output captured
/// to files and a guarantee that it does not outlive the test process: every instance still
/// running at a normal exit is killed with SIGKILL, and — for a test process that dies
/// without exiting normally (a trap in test code, a SIGKILL) — the kernel kills the child
/// too: it is started through `setpriv --pdeathsig KILL` from ``ChildSpawner``'s thread, which
/// lives as long as the process (the death signal follows the thread that started the child).
///
/// Thread-safe: the underlying `Process` is only touched under a lock.
public final class ManagedProcess: Sendable {
    /// The child's process ID.
    public let pid: Int32
    /// The file receiving the child's standard output.
    public let standardOutputPath: String
    /// The file receiving the child's standard error.
    public let standardErrorPath: String

    private let process: Mutex<Process>

    /// Starts `executable` with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: variables added to (or replacing those of) this process's
    ///     environment; with `inheritEnvironment: false` the child gets only these.
    ///   - workingDirectory: the child's current directory; this process's when nil.
    public init(
        executable: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        inheritEnvironment: Bool = true,
        workingDirectory: String? = nil
    ) throws {
        let outputDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hub-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let name = URL(fileURLWithPath: executable).lastPathComponent
        standardOutputPath = outputDirectory.appendingPathComponent("\(name).stdout").path
        standardErrorPath = outputDirectory.appendingPathComponent("\(name).stderr").path
        _ = FileManager.default.createFile(atPath: standardOutputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: standardErrorPath, contents: nil)

        let process = Process()
        if FileManager.default.isExecutableFile(atPath: ChildSpawner.launcher) {
            process.executableURL = URL(fileURLWithPath: ChildSpawner.launcher)
            process.arguments = ["--pdeathsig", "KILL", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.environment = inheritEnvironment
            ? ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            : environment
        if let workingDirectory {
            process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: standardOutputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: standardErrorPath))
        try ChildSpawner.start(process)
        pid = process.processIdentifier
        self.process = Mutex(process)
        ProcessRegistry.register(self)
    }

    /// True until the child has exited.
    public var isRunning: Bool {
        process.withLock { $0.isRunning }
    }

    /// The exit status, or nil while running (a signal's number when it was killed).
    public var exitStatus: Int32? {
        process.withLock { $0.isRunning ? nil : $0.terminationStatus }
    }

    /// Asks the child to stop (SIGTERM), as an orchestrator would.
    public func terminate() {
        signal(SIGTERM)
    }

    /// Kills the child at once (SIGKILL), to simulate a crash.
    public func kill() {
        signal(SIGKILL)
    }

    /// Waits for the child to exit and returns its exit status.
    /// - Throws: ``ProcessTimeout`` when it is still running after `timeout`.
    @discardableResult
    public func waitForExit(timeout: Duration) throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            Thread.sleep(forTimeInterval: 0.01)
        }
        if let status = exitStatus { return status }
        throw ProcessTimeout(pid: pid, timeout: timeout, standardErrorTail: standardErrorTail())
    }

    /// Everything the child wrote to standard output so far.
    public func standardOutput() -> String {
        (try? String(contentsOfFile: standardOutputPath, encoding: .utf8)) ?? ""
    }

    /// Everything the child wrote to standard error so far.
    public func standardError() -> String {
        (try? String(contentsOfFile: standardErrorPath, encoding: .utf8)) ?? ""
    }

    private func standardErrorTail() -> String {
        String(standardError().suffix(2000))
    }

    private func signal(_ number: Int32) {
        process.withLock { process in
            // Only signal our own, still unreaped child: never a reused PID.
            if process.isRunning { sendSignal(number, to: pid) }
        }
    }
}

private func sendSignal(_ number: Int32, to pid: Int32) {
    #if canImport(Glibc)
    _ = Glibc.kill(pid, number)
    #else
    _ = Darwin.kill(pid, number)
    #endif
}

/// A ``ManagedProcess`` did not exit in time.
public struct ProcessTimeout: Error, CustomStringConvertible {
    /// The process that is still running.
    public var pid: Int32
    /// How long it was given.
    public var timeout: Duration
    /// The end of its standard error, to see what it was doing.
    public var standardErrorTail: String

    public var description: String {
        "process \(pid) still running after \(timeout); stderr ends with: \(standardErrorTail)"
    }
}

/// Every ``ManagedProcess`` of this test process, so that none outlives it.
private enum ProcessRegistry {
    private static let processes = Mutex<[ManagedProcess]>([])

    static func register(_ process: ManagedProcess) {
        _ = killAtExit
        processes.withLock { processes in
            processes.removeAll { !$0.isRunning }
            processes.append(process)
        }
    }

    /// Installed once, on first use (a static's initializer runs exactly once).
    private static let killAtExit: Void = {
        atexit {
            for process in ProcessRegistry.processes.withLock({ $0 }) where process.isRunning {
                process.kill()
            }
        }
    }()
}

/// Starts children from one thread that never exits. Linux delivers a child's parent-death
/// signal when the *thread* that forked it ends, so children started from a test's pool
/// thread could be killed when that thread retires; from this thread, only when the whole
/// test process goes.
enum ChildSpawner {
    /// util-linux's `setpriv`: sets the parent-death signal, then execs the child (same PID).
    static let launcher = "/usr/bin/setpriv"

    private final class Job: @unchecked Sendable {
        let process: Process
        var error: (any Error)?
        let done = DispatchSemaphore(value: 0)
        init(_ process: Process) { self.process = process }
    }

    private static let queue = Mutex<[Job]>([])
    private static let wakeUp = DispatchSemaphore(value: 0)
    private static let thread: Void = {
        let thread = Thread {
            while true {
                wakeUp.wait()
                guard let job = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
                do {
                    try withUnblockedSignals { try job.process.run() }
                } catch {
                    job.error = error
                }
                job.done.signal()
            }
        }
        thread.name = "test child spawner"
        thread.start()
    }()

    /// Runs `process` from the spawner thread and waits until it has started.
    static func start(_ process: Process) throws {
        _ = thread
        let job = Job(process)
        queue.withLock { $0.append(job) }
        wakeUp.signal()
        job.done.wait()
        if let error = job.error { throw error }
    }
}
