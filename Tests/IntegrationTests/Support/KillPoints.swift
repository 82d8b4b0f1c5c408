import Foundation
import TestSupport

/// The workers' test-only crash points (`Sources/WorkerRuntime/TestKillPoint.swift`): the
/// environment that arms them and the line a worker writes when one fires.
enum KillPoint: String, CaseIterable {
    case ingestAfterProduce = "ingest.after-produce"
    case transformAfterProduce = "transform.after-produce"
    case sinkBeforeCommit = "sink.before-commit"
    case sinkAfterCommit = "sink.after-commit"

    var stage: PipelineHarness.Stage {
        switch self {
        case .ingestAfterProduce: return .ingest
        case .transformAfterProduce: return .transform
        case .sinkBeforeCommit, .sinkAfterCommit: return .sink
        }
    }

    /// The environment that makes a worker stop itself at the `occurrence`-th arrival.
    func environment(_ occurrence: Int, stop: Bool = false) -> [String: String] {
        ["HUB_TEST_KILL_POINT": "\(rawValue):\(occurrence)\(stop ? ":stop" : "")"]
    }

    /// The environment that makes the sink lose its database connection at the
    /// `occurrence`-th arrival (before COMMIT: the transaction is lost; after it: the reply is).
    func losingConnection(_ occurrence: Int) -> [String: String] {
        ["HUB_TEST_KILL_POINT": "\(rawValue):\(occurrence):lose-connection"]
    }

    /// What a worker wrote when a point fired: the point and its detail (`batch`).
    struct Fired: CustomStringConvertible {
        var point: KillPoint
        var detail: String

        var description: String { "\(point.rawValue): \(detail)" }

        /// `sink.*`: the batch's partitions as `topic#partition` → (expected, next).
        var offsetRanges: [String: (expected: Int64, next: Int64)] {
            var out: [String: (Int64, Int64)] = [:]
            for part in detail.split(separator: ",") {
                let words = part.split(separator: " ")
                guard words.count == 2 else { continue }
                let bounds = words[1].split(separator: ".", omittingEmptySubsequences: true)
                guard bounds.count == 2, let e = Int64(bounds[0]), let n = Int64(bounds[1]) else { continue }
                out[String(words[0])] = (e, n)
            }
            return out
        }

        /// `ingest.*`/`transform.*`: a count named in the detail, e.g. "records".
        func count(_ name: String) -> Int? {
            let words = detail.replacingOccurrences(of: ",", with: "").split(separator: " ")
            guard let i = words.firstIndex(where: { $0 == name }), i > 0 else { return nil }
            return Int(words[i - 1])
        }
    }

    /// The point fired in `process`, if its standard error says so.
    static func fired(in process: ManagedProcess) -> Fired? {
        for line in process.standardError().split(separator: "\n") where line.hasPrefix("test kill point ") {
            let rest = line.dropFirst("test kill point ".count)
            guard let name = rest.split(separator: " ").first, let point = KillPoint(rawValue: String(name)) else { continue }
            var detail = ""
            if let colon = rest.range(of: "): ") {
                detail = String(rest[colon.upperBound...])
                if let end = detail.range(of: "; SIG", options: .backwards) { detail = String(detail[..<end.lowerBound]) }
            }
            return Fired(point: point, detail: detail)
        }
        return nil
    }
}

extension PipelineHarness {
    /// Starts `stage` armed at `point`'s `occurrence`-th arrival, waits until it has stopped
    /// itself there, and returns what it was doing. Throws if it exits another way or never
    /// reaches the point within `timeout`.
    @discardableResult
    func runUntilKillPoint(_ point: KillPoint, occurrence: Int = 1, timeout: Duration = .seconds(120),
                           extraEnvironment: [String: String] = [:]) throws -> KillPoint.Fired {
        let p = try start(point.stage, extraEnvironment: point.environment(occurrence).merging(extraEnvironment) { $1 })
        try eventually(timeout: timeout, poll: .milliseconds(100), "\(point.rawValue):\(occurrence) reached") { !p.isRunning }
        guard let fired = KillPoint.fired(in: p), fired.point == point, p.exitStatus == SIGKILL else {
            throw HarnessError("\(point.stage) exited with \(p.exitStatus.map(String.init) ?? "-") without reaching \(point.rawValue): \(p.standardError().suffix(1500))")
        }
        return fired
    }

    /// How many "partitions assigned" lines each sink started so far has logged, in start
    /// order. Taken when something happens, it separates the assignments logged after it from
    /// those before, whichever sink logs them: a sink started earlier that takes over a dead
    /// one's partitions logs its new assignment after it, though its earlier lines come first.
    struct SinkAssignmentMark: Sendable {
        fileprivate let linesPerSink: [Int]
    }

    func sinkAssignmentMark() -> SinkAssignmentMark {
        SinkAssignmentMark(linesPerSink: sinkAssignmentLines().map(\.count))
    }

    /// The sinks' "partitions assigned" offsets logged after `mark` (all of them without one):
    /// `topic#partition` → offset.
    func sinkAssignments(after mark: SinkAssignmentMark? = nil) -> [[String: Int64]] {
        var out: [[String: Int64]] = []
        for (index, lines) in sinkAssignmentLines().enumerated() {
            let seen = mark.map { index < $0.linesPerSink.count ? $0.linesPerSink[index] : 0 } ?? 0
            for line in lines.dropFirst(seen) { out.append(Self.assignedOffsets(line)) }
        }
        return out
    }

    /// Each sink's "partitions assigned" lines, the sinks in the order they were started.
    private func sinkAssignmentLines() -> [[String]] {
        workers.filter { $0.stage == .sink }.map { w in
            w.process.standardError().split(separator: "\n").filter { $0.contains("partitions assigned") }.map(String.init)
        }
    }

    /// `…topic[p]@offset…` → `topic#p` → offset.
    static func assignedOffsets(_ line: String) -> [String: Int64] {
        var out: [String: Int64] = [:]
        let pattern = #"([A-Za-z0-9._-]+)\[(\d+)\]@(-?\d+)"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return out }
        let ns = line as NSString
        for m in regex.matches(in: line, range: NSRange(location: 0, length: ns.length)) {
            guard let offset = Int64(ns.substring(with: m.range(at: 3))) else { continue }
            out["\(ns.substring(with: m.range(at: 1)))#\(ns.substring(with: m.range(at: 2)))"] = offset
        }
        return out
    }

    /// Units the sinks reported as copies already applied (redelivered or replayed).
    func sinkCopiesLogged() -> Int {
        var total = 0
        for w in workers where w.stage == .sink {
            for line in w.process.standardError().split(separator: "\n") where line.contains("batch held copies") {
                if let r = line.range(of: "copies=") { total += Int(line[r.upperBound...].prefix { $0.isNumber }) ?? 0 }
            }
        }
        return total
    }
}
