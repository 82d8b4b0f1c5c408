import ArgumentParser
import Foundation
import SchedulerCore
import Topology
import WorkerRuntime

/// `hubctl dag`: the scheduler's DAGs, their runs and task instances; triggers and backfills
/// are recorded as queued runs that the leading `hub-scheduler` picks up.
struct DagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag", abstract: "Scheduler DAGs: list, status, trigger, backfill, logs.",
        subcommands: [List.self, Status.self, Trigger.self, Backfill.self, Logs.self])

    static func store(_ ctx: Context) throws -> SchedulerStore {
        let db = try ctx.database()
        try ctx.schema.migrate(db, topology: ctx.topology)
        return SchedulerStore(db: db, schema: ctx.settings.schema)
    }

    static func dag(_ ctx: Context, _ name: String) throws -> DAGDefinition {
        guard let dag = ctx.topology.dag(name) else {
            throw ValidationError("no DAG \"\(name)\"; defined: \(ctx.topology.dags.map(\.name).joined(separator: ", "))")
        }
        return dag
    }

    static func time(_ seconds: Int64?, _ zone: ScheduleTimeZone) -> String {
        seconds.map { CronTime(secondsSinceEpoch: $0).formatted(in: zone) } ?? "-"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every DAG with its schedule and latest run.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let ctx = try Context(common)
            let store = try DagCommand.store(ctx)
            say("dag  schedule  timezone  catchup  tasks  latest_run")
            for dag in ctx.topology.dags {
                let latest = try store.runs(dag: dag.name, limit: 1).first
                let run = latest.map { "#\($0.id) \($0.interval.start.formatted(in: dag.timeZone)) \($0.kind.rawValue) \($0.state.rawValue)" } ?? "-"
                say("\(dag.name)  \(dag.schedule?.expression ?? "manual")  \(dag.timeZone)  \(dag.catchup)  \(dag.tasks.count)  \(run)")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The DAG's recent runs and their task instances.")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Option(name: .long, help: "How many runs. Default 10.") var limit = 10

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            let store = try DagCommand.store(ctx)
            if let leader = try store.leader() { say("leader: \(leader.name) (epoch \(leader.epoch))") }
            for run in try store.runs(dag: dag.name, limit: limit) {
                say("run #\(run.id) \(run.kind.rawValue) [\(run.interval.start.formatted(in: dag.timeZone)), \(run.interval.end.formatted(in: dag.timeZone))) \(run.state.rawValue)")
                for i in try store.instances(run: run.id) {
                    say("  \(i.task)  \(i.state.rawValue)  attempt \(i.attempt)  started \(DagCommand.time(i.startedAt, dag.timeZone))  ended \(DagCommand.time(i.endedAt, dag.timeZone))")
                }
            }
        }
    }

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a manual run (the latest complete interval unless given).")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Option(name: .long, help: "Interval start, YYYY-MM-DD[Thh:mm] in the DAG's time zone (or with Z/±hh:mm).") var intervalStart: String?

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            let now = SystemClock().now()
            let interval: DataInterval?
            if let text = intervalStart {
                guard let start = CronTime(parsing: text, in: dag.timeZone) else { throw ValidationError("cannot read --interval-start \(text)") }
                interval = dag.schedule == nil ? DataInterval(start: start, end: now) : dag.interval(startingAtOrAfter: start)
            } else {
                interval = dag.latestCompleteInterval(at: now) ?? DataInterval(start: now, end: now)
            }
            guard let interval else { throw ValidationError("the schedule of \(name) never fires") }
            guard let id = try DagCommand.store(ctx).createRun(dag: dag.name, interval: interval, kind: .manual, now: now) else {
                throw ValidationError("a manual run of \(name) for \(interval) already exists")
            }
            say("queued run #\(id) of \(name) for [\(interval.start.formatted(in: dag.timeZone)), \(interval.end.formatted(in: dag.timeZone)))")
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue backfill runs for every interval starting in [--from, --to); max_active_runs applies.")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Option(name: .long, help: "First interval start, YYYY-MM-DD[Thh:mm] in the DAG's time zone.") var from: String
        @Option(name: .long, help: "End (exclusive) of the interval starts.") var to: String

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            guard let start = CronTime(parsing: from, in: dag.timeZone), let end = CronTime(parsing: to, in: dag.timeZone) else {
                throw ValidationError("cannot read --from/--to; use YYYY-MM-DD or YYYY-MM-DDThh:mm")
            }
            let store = try DagCommand.store(ctx)
            let intervals = dag.intervals(from: start, to: end)
            var created = 0
            for i in intervals where try store.createRun(dag: dag.name, interval: i, kind: .backfill, now: SystemClock().now()) != nil { created += 1 }
            say("queued \(created) backfill runs of \(name) (\(intervals.count - created) already existed); at most \(dag.maxActiveRuns) run at once")
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The output of every task instance of one run.")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Argument var runID: Int64

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            let store = try DagCommand.store(ctx)
            guard let run = try store.run(id: runID), run.dag == dag.name else { throw ValidationError("no run #\(runID) of \(name)") }
            say("run #\(run.id) \(run.kind.rawValue) \(run.interval) \(run.state.rawValue)")
            for i in try store.instances(run: run.id) {
                say("== \(i.task) (\(i.state.rawValue), attempt \(i.attempt), by \(i.claimedBy ?? "-"))")
                if let output = i.output, !output.isEmpty { say(output) }
            }
        }
    }
}
