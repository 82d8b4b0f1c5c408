import Foundation
import Kafka
import Synchronization
import TestSupport

/// Sends a truth scenario into one pipeline and compares the pipeline's tables with the
/// truth's expectations, row by row. The Kafka client here is only the transport: what is
/// sent and what must come out are the truth's own (`Truth/`).
final class TruthRun: @unchecked Sendable {
    let scenario: TruthScenario
    let h: PipelineHarness
    /// The raw messages with the offsets they got (fresh topics: per partition from 0, in
    /// send order; the producer is idempotent, so order is kept).
    private(set) var sent: [TruthMessage] = []
    private var offsets: [String: Int64] = [:]
    private let producer: KafkaProducer
    private let state = Mutex<(done: Bool, error: String?)>((false, nil))

    init(_ scenario: TruthScenario, _ h: PipelineHarness) throws {
        self.scenario = scenario
        self.h = h
        producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": h.brokers, "linger.ms": "5"]))
        guard scenario.size.partitions == h.partitions else {
            throw TruthError("scenario for \(scenario.size.partitions) partitions, pipeline has \(h.partitions)")
        }
    }

    /// Sends the registry and waits until the broker has it (records are standardised
    /// against the registry as of their time, so it must be readable before them).
    func sendRegistry() throws {
        for e in scenario.registry {
            try producer.send(topic: h.prefix + "ref.school", key: Array(e.school.utf8), value: e.value,
                              timestampMs: e.timestamp.milliseconds)
        }
        try producer.flush(timeout: .seconds(30))
    }

    /// Sends every raw message now, in order.
    func sendAll() throws {
        try send(0..<scenario.messages.count, pace: nil)
    }

    /// Sends the raw messages of `range` (of ``TruthScenario/messages``) now, in order.
    func send(_ range: Range<Int>) throws {
        try send(range, pace: nil)
    }

    /// How many raw messages ``feed(_:)`` has sent.
    private(set) var fed = 0

    /// Sends the next `count` raw messages not sent yet; false once every message is sent.
    @discardableResult
    func feed(_ count: Int) throws -> Bool {
        let end = min(scenario.messages.count, fed + count)
        guard fed < end else { return false }
        try send(fed..<end)
        fed = end
        return true
    }

    /// Keeps data flowing after every message is sent: sends `count` earlier messages again,
    /// in order (at new offsets — re-sends, which the expectations count as such).
    func feedAgain(_ count: Int) throws {
        let n = scenario.messages.count
        guard n > 0 else { return }
        let start = resent % n
        try send(start..<min(n, start + count))
        resent += min(n, start + count) - start
    }

    private var resent = 0

    /// Sends the raw messages on a background thread, `perSecond` messages a second, so
    /// that faults can be injected while the data flows; see ``isDone``.
    func startFeeding(perSecond: Int) {
        let thread = Thread { [self] in
            do {
                try send(0..<scenario.messages.count, pace: perSecond)
            } catch {
                state.withLock { $0.error = "\(error)" }
            }
            state.withLock { $0.done = true }
        }
        thread.start()
    }

    var isDone: Bool { state.withLock { $0.done } }

    func waitUntilFed(timeout: Duration = .seconds(600)) throws {
        try eventually(timeout: timeout, poll: .milliseconds(200), "every truth message sent") { isDone }
        if let error = state.withLock({ $0.error }) { throw TruthError("sending the truth failed: \(error)") }
    }

    private func send(_ range: Range<Int>, pace: Int?) throws {
        var out: [TruthMessage] = []
        out.reserveCapacity(range.count)
        let started = ContinuousClock.now
        for (i, var m) in scenario.messages[range].enumerated() {
            let slot = "\(m.kind.rawTopic)#\(m.partition)"
            m.offset = offsets[slot] ?? 0
            offsets[slot] = m.offset + 1
            try producer.send(topic: h.prefix + m.kind.rawTopic, partition: m.partition, key: Array(m.key.utf8), value: m.value,
                              headers: m.headers.map { KafkaHeader(name: $0.0, string: $0.1) }, timestampMs: m.timestamp.milliseconds)
            out.append(m)
            if let pace, pace > 0, i % max(1, pace / 10) == 0 {
                try producer.flush(timeout: .seconds(30))
                let due = started + .milliseconds(Int64(i) * 1000 / Int64(pace))
                let now = ContinuousClock.now
                if due > now { Thread.sleep(forTimeInterval: (due - now) / .milliseconds(1) / 1000) }
            }
        }
        try producer.flush(timeout: .seconds(60))
        sent += out
    }

    /// The expectations for what was sent.
    func expectations() throws -> TruthExpectations {
        try TruthExpectations(scenario, messages: sent, prefix: h.prefix)
    }

    // MARK: comparing

    /// Every difference between the published tables and the truth, one line each
    /// (`table key: actual ≠ expected`), at most `limit` per table; empty when equal.
    func differences(_ expected: TruthExpectations, limit: Int = 25) throws -> [String] {
        // The uniqueness monitors are evaluated in bulk over the current state (what the
        // scheduler's daily task runs); idempotent, so comparing twice is harmless.
        _ = try h.hubctl(["quality", "evaluate", "--only", "uniqueness"])
        var out: [String] = []
        func compare<V: Equatable>(_ table: String, _ actual: [String: V], _ expected: [String: V]) {
            let keys = Set(actual.keys).union(expected.keys).sorted().filter { actual[$0] != expected[$0] }
            for k in keys.prefix(limit) {
                out.append("\(table) \(k): \(actual[k].map { "\($0)" } ?? "-") ≠ \(expected[k].map { "\($0)" } ?? "-")")
            }
            if keys.count > limit { out.append("\(table): \(keys.count - limit) more differences") }
        }
        compare("enrollment_agg", try h.enrollment(), expected.enrollment)
        compare("teacher_agg", try h.teachers(), expected.teachers)
        compare("attendance_agg", try h.attendance(), expected.attendance)
        compare("quarantine_counts", try h.quarantineCounts(), expected.quarantineCounts)
        compare("quarantine", try quarantineRows(), expected.quarantine)
        compare("standard_zone", try standardZone(), expected.standardZone)
        compare("quality_results", try h.qualityResults(), expected.quality)
        return out
    }

    /// `topic|partition|offset|row` → `reason|school` of every `hub.quarantine` row.
    func quarantineRows() throws -> [String: String] {
        let r = try h.query("SELECT src_topic, src_partition, src_offset, src_row, reason, coalesce(school_code, '') FROM hub.quarantine")
        var out: [String: String] = [:]
        for i in 0..<r.rowCount {
            out["\(r.value(i, 0)!)|\(r.value(i, 1)!)|\(r.value(i, 2)!)|\(r.value(i, 3)!)"] = "\(r.value(i, 4)!)|\(r.value(i, 5)!)"
        }
        return out
    }

    /// `topic|partition|offset|row` → the standard-zone row in the truth's layout.
    func standardZone() throws -> [String: String] {
        let r = try h.query("""
            SELECT src_topic, src_partition, src_offset, src_row,
                   concat_ws('|', record_type, school_code, county_code, coalesce(gender::text, ''), coalesce(grade::text, ''),
                             coalesce(status::text, ''), coalesce(day::text, ''), coalesce(class_name, ''),
                             coalesce(expected::text, ''), coalesce(present::text, ''), updated_at_us::text)
            FROM hub.standard_zone
            """)
        var out: [String: String] = [:]
        for i in 0..<r.rowCount {
            out["\(r.value(i, 0)!)|\(r.value(i, 1)!)|\(r.value(i, 2)!)|\(r.value(i, 3)!)"] = r.value(i, 4)!
        }
        return out
    }

    /// A short account of what the truth holds, for the test log.
    static func summary(_ e: TruthExpectations) -> String {
        "truth: \(e.standardZone.count) current entities, "
            + "\(e.enrollment.filter { $0.key.hasPrefix("province|") }.values.reduce(0, +)) enrolled students, "
            + "\(e.teachers["province|330000"] ?? 0) active teachers, \(e.attendance.count) attendance rows, "
            + "quarantine \(e.quarantineCounts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")), "
            + "\(e.quality.count) quality rows; \(e.exercised)"
    }
}
