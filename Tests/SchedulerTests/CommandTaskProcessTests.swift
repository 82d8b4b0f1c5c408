import Foundation
@testable import SchedulerCore
import Testing

/// Issue 18: a timed-out `command` task is stopped with its whole process group, not only the
/// direct child; outputs are kept for their retention period and no longer.
@Suite("Command task processes and output retention")
struct CommandTaskProcessTests {
    /// Whether `pid` is still a live process (a zombie, waiting for its parent to reap it, is dead).
    static func alive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return false
        }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }

    func pidFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("grandchild-\(UUID().uuidString).pid").path
    }

    @Test func aTimeoutKillsWhatTheCommandStartedToo() throws {
        let file = pidFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let started = ContinuousClock.now
        let result = try ExternalProcess.run(["/bin/sh", "-c", "sleep 300 & echo $! > \(file); echo started; wait"],
                                             environment: [:], timeoutSeconds: 1, grace: .seconds(2))
        #expect(result.timedOut)
        #expect(result.output.contains("started"))
        #expect(ContinuousClock.now - started < .seconds(10))
        let grandchild = try #require(Int32(try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        for _ in 0..<100 where !gone {
            gone = !Self.alive(grandchild)
            if !gone { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(gone, "the background sleep (pid \(grandchild)) outlived the timed-out command")
    }

    @Test func aCommandIgnoringSIGTERMIsKilledAfterTheGrace() throws {
        let started = ContinuousClock.now
        let result = try ExternalProcess.run(["/bin/sh", "-c", "trap '' TERM; sleep 300 & wait; sleep 300"],
                                             environment: [:], timeoutSeconds: 1, grace: .seconds(1))
        #expect(result.timedOut)
        #expect(result.status == 128 + SIGKILL)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func exitStatusOutputAndEnvironment() throws {
        let ok = try ExternalProcess.run(["sh", "-c", "echo \"$HUB_X\"; echo oops >&2; exit 3"], environment: ["HUB_X": "值"], timeoutSeconds: 10)
        #expect(!ok.timedOut && ok.status == 3)
        #expect(ok.output == "值\noops\n")
        #expect(throws: TaskFailure.self) { try ExternalProcess.run(["/nonexistent/program"], environment: [:], timeoutSeconds: 5) }
    }

    @Test func retentionDeletesOnlyFilesPastTheirTime() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("outputs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let files: [(String, Double)] = [("reports/old.html", 91), ("reports/new.html", 10), ("snapshots/t/t_1.csv.zst", 200),
                                         ("snapshots/t/t_2.csv.zst", 89.9), ("top.json", 90.1)]
        for (path, ageDays) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: full))
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-ageDays * 86_400)], ofItemAtPath: full)
        }
        let summary = try OutputRetention.prune(root, olderThanDays: 90, now: now)
        #expect(summary == OutputRetention.Summary(deletedFiles: 3, deletedBytes: 300))
        for (path, ageDays) in files {
            #expect(FileManager.default.fileExists(atPath: root + "/" + path) == (ageDays < 90), "\(path)")
        }
        #expect(FileManager.default.fileExists(atPath: root + "/snapshots/t"), "directories stay")
        #expect(try OutputRetention.prune(root + "/missing", olderThanDays: 1, now: now).deletedFiles == 0)
    }
}
