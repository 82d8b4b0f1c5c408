import Foundation
import Kafka
import Logging
import Postgres
import SchedulerCore
import TestSupport
import Topology

/// A scheduler engine on a fresh database, driven by a manual clock.
final class EngineFixture {
    let conninfo: String
    let db: PGConnection
    let clock: ManualClock
    let topology: Topology
    let engine: SchedulerEngine
    var store: SchedulerStore { engine.store }

    init(_ yaml: String, at start: String, setup: String = "", kafka: KafkaConfig? = nil, quarantineTopic: String? = nil,
         ingestedTopic: String = "hub.ingested") throws {
        conninfo = try TestServices.createDatabase(prefix: "sched")
        db = try PGConnection(conninfo: conninfo)
        topology = try TopologyLoader.load(sources: [("dags.yaml", yaml)])
        try SchedulerStore.migrate(db, schema: "hub", topology: topology)
        if !setup.isEmpty { try db.execute(setup) }
        clock = ManualClock(CronTime(parsing: start, in: .utc)!)
        var logger = Logger(label: "scheduler-test")
        logger.logLevel = .warning
        let runner = TaskRunner(environment: TaskEnvironment(conninfo: conninfo, schema: "hub", topology: topology, kafka: kafka,
                                                             ingestedTopic: ingestedTopic, quarantineTopic: quarantineTopic,
                                                             outputDirectory: FileManager.default.temporaryDirectory.path),
                                clock: clock, logger: logger)
        engine = SchedulerEngine(dags: topology.dags, store: SchedulerStore(db: try PGConnection(conninfo: conninfo), schema: "hub"),
                                 runner: runner, clock: clock, instance: "test", logger: logger)
        try engine.takeOver()
    }

    func time(_ s: String) -> CronTime { CronTime(parsing: s, in: .utc)! }

    /// Queues a manual run of `dag` for `[start, end)`.
    @discardableResult
    func trigger(_ dag: String, _ start: String = "2026-01-01", _ end: String = "2026-01-02") throws -> Int64 {
        try require(try store.createRun(dag: dag, interval: DataInterval(start: time(start), end: time(end)), kind: .manual, now: clock.now()))
    }

    /// Ticks (without moving the clock) until `condition` holds; `observe` runs after each tick.
    func drive(timeout: Duration = .seconds(60), _ what: String, observe: () throws -> Void = {}, until condition: () throws -> Bool) throws {
        try eventually(timeout: timeout, poll: .milliseconds(30), what) {
            try engine.tick()
            try observe()
            return try condition()
        }
    }

    func instance(_ run: Int64, _ task: String) throws -> TaskInstanceRecord? {
        try store.instances(run: run).first { $0.task == task }
    }

    func runState(_ run: Int64) throws -> RunState? { try store.run(id: run)?.state }

    func count(_ sql: String) throws -> Int { try db.query(sql).int(0, 0) ?? -1 }
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw FixtureError() }
    return value
}

struct FixtureError: Error {}
