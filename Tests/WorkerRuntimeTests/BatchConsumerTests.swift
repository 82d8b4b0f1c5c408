import Foundation
import Kafka
import Logging
import Synchronization
import TestSupport
import Testing
@testable import WorkerRuntime

/// ``BatchConsumer``'s at-least-once policy against the real broker: when offsets are
/// committed, how a transient failure is retried, and what a rebalance in the middle of a
/// batch leaves committed.
@Suite("Batch consumer", .serialized)
struct BatchConsumerTests {
    @Test("offsets are committed only after the batch's output is acknowledged; a transient failure reads the batch again")
    func commitAfterOutputAndRewind() throws {
        let topic = try makeTopic("bc-commit", partitions: 1)
        let group = TestServices.uniqueName("bc-commit")
        try produce(6, to: topic, partitions: 1)
        let log = BatchLog(failures: 1)
        let loop = try StageThread(group: group) { settings, stop in
            var stage = try RecordingStage(log: log, group: group, topic: topic, partitions: 1)
            let consumer = try BatchConsumer(settings: settings, topics: [topic], budget: .chunked(messages: 6, records: 100) { _ in 6 },
                                             metrics: StageMetrics(stage: "test"), listener: AssignmentLogger(logger: Logger(label: "test"),
                                                                                                               health: HealthState()),
                                             logger: Logger(label: "test"), health: HealthState())
            try consumer.run(&stage, stop: stop)
        }
        let checker = try CommittedOffsets(group: group, topic: topic, partitions: 1)
        try eventually(timeout: .seconds(60), poll: .milliseconds(200), "all six offsets committed") {
            try checker.read() == [6]
        }
        try loop.finish()

        let published = log.published
        try #require(published.count >= 2)
        // The first publish failed: nothing was committed, and the same messages came again.
        #expect(published[0].committedBefore == [-1])
        #expect(published[1].offsets.first == published[0].offsets.first)
        #expect(published[1].offsets.first == "0@0")
        // Every publish saw the group's offset where its batch begins, never past it.
        for batch in published {
            #expect(batch.committedBefore == [Int64(batch.offsets.first.flatMap { Int64($0.split(separator: "@")[1]) } ?? -1)]
                    || (batch.offsets.first == "0@0" && batch.committedBefore == [-1]), "\(batch)")
        }
        // The committed batches hold every message once, in order.
        #expect(log.committed.flatMap { $0 } == (0..<6).map { "0@\($0)" })
    }

    @Test("a partition revoked while a batch fills is not committed by the instance that lost it")
    func revokedPartitionsDropped() throws {
        let topic = try makeTopic("bc-revoke", partitions: 2)
        let group = TestServices.uniqueName("bc-revoke")
        try produce(20, to: topic, partitions: 2)
        let logA = BatchLog(failures: 0)
        let logB = BatchLog(failures: 0)
        let second = SecondMember()
        let settingsForB = try Self.settings(group: group)
        // B joins the group while A's first batch is filling (one message per poll), so the
        // rebalance revokes A's partitions in the middle of that batch.
        let loopA = try StageThread(group: group) { settings, stop in
            var stage = try RecordingStage(log: logA, group: group, topic: topic, partitions: 2) {
                // The first chunk of A's first batch: let B join, give the group time to start
                // the rebalance (heartbeats every 500 ms), then go on filling.
                try second.start {
                    try StageThread(group: group, settings: settingsForB) { settings, stop in
                        var stage = try RecordingStage(log: logB, group: group, topic: topic, partitions: 2)
                        let consumer = try BatchConsumer(
                            settings: settings, topics: [topic], budget: .chunked(messages: 100, records: 100) { _ in 100 },
                            metrics: StageMetrics(stage: "test-b"), listener: AssignmentLogger(logger: Logger(label: "b"), health: HealthState()),
                            logger: Logger(label: "b"), health: HealthState())
                        second.joined()
                        try consumer.run(&stage, stop: stop)
                    }
                }
                Thread.sleep(forTimeInterval: 5)
            }
            let consumer = try BatchConsumer(settings: settings, topics: [topic], budget: .chunked(messages: 1000, records: 1000) { _ in 1 },
                                             metrics: StageMetrics(stage: "test-a"),
                                             listener: AssignmentLogger(logger: Logger(label: "a"), health: HealthState()),
                                             logger: Logger(label: "a"), health: HealthState())
            try consumer.run(&stage, stop: stop)
        }
        let checker = try CommittedOffsets(group: group, topic: topic, partitions: 2)
        try eventually(timeout: .seconds(90), poll: .milliseconds(200), "both partitions committed to the end") {
            try checker.read() == [10, 10]
        }
        try loopA.finish()
        try second.finish()

        // A's first batch spanned the revocation: its output went out, but its offsets were
        // not committed (the group held none afterwards), and the new owners read those
        // messages again from the last commit.
        let firstOfA = try #require(logA.published.first)
        #expect(firstOfA.committedAfter == [-1, -1], "\(firstOfA)")
        let committedMessages = Set((logA.committed + logB.committed).flatMap { $0 })
        #expect(committedMessages == Set((0..<2).flatMap { p in (0..<10).map { "\(p)@\($0)" } }))
        #expect(!logB.committed.isEmpty)
    }

    // MARK: - Support

    static func settings(group: String) throws -> WorkerSettings {
        try WorkerSettings(stage: "test", defaultHTTPPort: 0, options: try CommonOptions.parse([]), environment: [
            "HUB_KAFKA_BROKERS": try TestServices.kafkaBootstrap(),
            "HUB_GROUP": group,
            "HUB_BATCH_WAIT_MS": "100",
            // tansu holds a first JoinGroup for about half the session timeout; short heartbeats
            // tell a member of a rebalance quickly.
            "HUB_KAFKA_PROPERTIES": "session.timeout.ms=6000,heartbeat.interval.ms=500",
        ])
    }

    private func makeTopic(_ prefix: String, partitions: Int) throws -> String {
        let name = TestServices.uniqueName(prefix)
        try TestServices.createTopic(name, partitions: partitions)
        return name
    }

    private func produce(_ count: Int, to topic: String, partitions: Int32) throws {
        let producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": try TestServices.kafkaBootstrap()]))
        for index in 0..<count {
            try producer.send(topic: topic, partition: Int32(index) % partitions, key: nil, value: Array("m\(index)".utf8))
        }
        try producer.flush(timeout: .seconds(10))
    }
}

/// What the recording stage saw, batch by batch: each message as `partition@offset`.
final class BatchLog: Sendable {
    struct Published: Sendable, CustomStringConvertible {
        var offsets: [String]
        /// The group's committed offset of every partition when the batch was published.
        var committedBefore: [Int64]
        /// The same once the consumer had committed (nil for a failed publish).
        var committedAfter: [Int64]?
        var description: String { "\(offsets) committed before \(committedBefore), after \(committedAfter.map { "\($0)" } ?? "-")" }
    }

    private let state: Mutex<(published: [Published], committed: [[String]], failures: Int)>

    init(failures: Int) { state = Mutex(([], [], failures)) }

    var published: [Published] { state.withLock { $0.published } }
    var committed: [[String]] { state.withLock { $0.committed } }

    /// Notes a publish; true when this one is to fail.
    func publish(_ offsets: [String], committed: [Int64]) -> Bool {
        state.withLock { s in
            s.published.append(Published(offsets: offsets, committedBefore: committed))
            guard s.failures > 0 else { return false }
            s.failures -= 1
            return true
        }
    }

    func committed(_ offsets: [String], after: [Int64]) {
        state.withLock { s in
            s.committed.append(offsets)
            if let last = s.published.indices.last { s.published[last].committedAfter = after }
        }
    }
}

/// A stage that publishes nothing but records its batches; its publish fails transiently as
/// often as the log says.
struct RecordingStage: AtLeastOnceStage {
    let log: BatchLog
    let checker: CommittedOffsets
    let onFirstAdd: () throws -> Void
    private var added = false

    init(log: BatchLog, group: String, topic: String, partitions: Int32, onFirstAdd: @escaping () throws -> Void = {}) throws {
        self.log = log
        checker = try CommittedOffsets(group: group, topic: topic, partitions: partitions)
        self.onFirstAdd = onFirstAdd
    }

    func makeBatch() -> [String] { [] }

    mutating func add(_ messages: [KafkaMessage], to batch: inout [String]) throws -> Int {
        batch += messages.map { "\($0.partition)@\($0.offset)" }
        if !added {
            added = true
            try onFirstAdd()
        }
        return batch.count
    }

    func publish(_ batch: [String], messages: Int) throws {
        if log.publish(batch, committed: try checker.read()) {
            throw KafkaError(code: -185, name: "_TIMED_OUT", message: "test: the output was not acknowledged")
        }
    }

    func committed(_ batch: [String]) {
        log.committed(batch, after: (try? checker.read()) ?? [])
    }
}

/// Reads a group's committed offsets without joining it (-1 where none).
final class CommittedOffsets {
    private let consumer: KafkaConsumer
    private let partitions: [TopicPartition]

    init(group: String, topic: String, partitions: Int32) throws {
        consumer = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": try TestServices.kafkaBootstrap(), "group.id": group]))
        self.partitions = (0..<partitions).map { TopicPartition(topic: topic, partition: $0) }
    }

    func read() throws -> [Int64] {
        try consumer.committed(partitions, timeout: .seconds(10)).sorted { $0.partition < $1.partition }.map { max(-1, $0.offset) }
    }
}

/// The second group member of the revocation test: started once, from the first member's
/// loop thread.
final class SecondMember: Sendable {
    private let loop = Mutex<StageThread?>(nil)
    private let hasJoined = Atomic<Bool>(false)

    /// Starts the member (once) and waits up to 10 s until it has subscribed.
    func start(_ make: () throws -> StageThread) throws {
        let started = try loop.withLock { current -> Bool in
            guard current == nil else { return false }
            current = try make()
            return true
        }
        guard started else { return }
        let deadline = ContinuousClock.now + .seconds(10)
        while !hasJoined.load(ordering: .acquiring), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }

    func joined() { hasJoined.store(true, ordering: .releasing) }

    func finish() throws { try loop.withLock { $0 }?.finish() }
}

/// Runs a consumer loop on a thread of its own, as ``PollLoopService`` does.
final class StageThread: Sendable {
    private let stop = StopSignal()
    private let done = Atomic<Bool>(false)
    private let failure = Mutex<String?>(nil)

    init(group: String, settings: WorkerSettings? = nil,
         _ body: @escaping @Sendable (WorkerSettings, StopSignal) throws -> Void) throws {
        let settings = try settings ?? BatchConsumerTests.settings(group: group)
        let thread = Thread { [self] in
            do {
                try body(settings, stop)
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            done.store(true, ordering: .releasing)
        }
        thread.start()
    }

    /// Stops the loop and waits for it; throws what the loop threw.
    func finish() throws {
        stop.stop()
        try eventually(timeout: .seconds(30), "the consumer loop stopped") { done.load(ordering: .acquiring) }
        if let failure = failure.withLock({ $0 }) { throw LoopFailure(description: failure) }
    }

    struct LoopFailure: Error, CustomStringConvertible { var description: String }
}
