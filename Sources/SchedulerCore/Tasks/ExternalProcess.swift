import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs an external program with a time limit, its standard output and error captured.
///
/// The program starts as the leader of a process group of its own (`posix_spawn` with
/// `POSIX_SPAWN_SETPGROUP`), so at the timeout the whole group is stopped — the shell of a
/// `sh -c` command and everything it started, not only the direct child: SIGTERM to the group,
/// then SIGKILL after a grace period. posix_spawn rather than swift-subprocess: the task runner
/// is a blocking thread per attempt, and a synchronous spawn, wait and `killpg` is a few lines
/// here, where swift-subprocess would bring an async API to bridge back and a new dependency.
/// The child gets default signal handling and an empty signal mask (the scheduler's own, set
/// up for graceful shutdown, must not leak into it) and /dev/null as standard input.
enum ExternalProcess {
    struct Result {
        var status: Int32
        var output: String
        var timedOut: Bool
    }

    static let inheritedVariables: Set<String> = ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "LD_LIBRARY_PATH"]

    /// How long the group gets between SIGTERM and SIGKILL at the timeout.
    static let terminationGrace: Duration = .seconds(5)

    /// `argv[0]` is looked up on PATH unless it contains a slash.
    static func run(_ argv: [String], environment: [String: String], timeoutSeconds: Double,
                    grace: Duration = terminationGrace) throws -> Result {
        guard let program = argv.first, !program.isEmpty else { throw TaskFailure("command has an empty argv") }
        guard !argv.contains(where: { $0.utf8.contains(0) }) else { throw TaskFailure("command argv contains a NUL character") }
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("hub-task-\(UUID().uuidString).log").path
        defer { unlink(outputPath) }
        let outputFD = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard outputFD >= 0 else { throw TaskFailure("cannot create \(outputPath): \(String(cString: strerror(errno)))") }
        defer { close(outputFD) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)  // a new group led by the child
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // Only what every program needs to run is inherited: the scheduler's own environment may
        // hold secrets (PGPASSWORD, key files' paths, tokens) that a task did not ask for.
        let inherited = ProcessInfo.processInfo.environment.filter { inheritedVariables.contains($0.key) }
        let merged = inherited.merging(environment) { $1 }
        let environmentLines = merged.filter { !$0.key.utf8.contains(0) && !$0.value.utf8.contains(0) }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { argvPointers in
            withCStrings(environmentLines) { envPointers in
                program.contains("/")
                    ? posix_spawn(&pid, program, &actions, &attributes, argvPointers, envPointers)
                    : posix_spawnp(&pid, program, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard spawned == 0 else { throw TaskFailure("cannot start \(program): \(String(cString: strerror(spawned)))") }

        let deadline = ContinuousClock.now + .milliseconds(Int64(max(0, timeoutSeconds) * 1000))
        var status: Int32 = 0
        var timedOut = false
        var exited = false
        while !exited {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno != EINTR) { exited = true; break }
            if ContinuousClock.now >= deadline {
                timedOut = true
                killpg(pid, SIGTERM)
                let killAt = ContinuousClock.now + grace
                while waitpid(pid, &status, WNOHANG) == 0, ContinuousClock.now < killAt { Thread.sleep(forTimeInterval: 0.02) }
                // Whatever is left of the group — the child itself or what it started — is killed.
                killpg(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                exited = true
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Result(status: exitCode(status), output: String(output.suffix(16_384)), timedOut: timedOut)
    }

    /// The exit status, or 128 + the signal for a killed process (as shells report it).
    static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// A NULL-terminated array of C strings valid inside `body`.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for p in pointers { free(p) } }
        return body(pointers)
    }
}
