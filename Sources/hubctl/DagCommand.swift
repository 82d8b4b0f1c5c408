import ArgumentParser
import Foundation
import Postgres
import SchedulerCore
import Topology
import WorkerRuntime

/// `hubctl dag`: the scheduler's DAGs, their runs and task instances. Reading (`list`, `status`,
/// `logs`, each with `--json`) never changes the database — not even a migration — so a
/// read-only role can use it. Steering (`trigger`, `backfill`, `pause`, `unpause`, `clear`,
/// `mark-success`) records the change; the leading `hub-scheduler` acts on it at its next step.
struct DagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag", abstract: "Scheduler DAGs: list, status, logs; trigger, backfill, pause, unpause, clear, mark-success.",
        subcommands: [List.self, Status.self, Logs.self, Trigger.self, Backfill.self, Pause.self, Unpause.self, Clear.self,
                      MarkSuccess.self])

    /// For reading: no migration, and a schema without the scheduler's tables says what to run.
    static func readStore(_ ctx: Context) throws -> SchedulerStore {
        let db = try ctx.database()
        let r = try db.query("SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL",
                             ["\(ctx.settings.schema).dag_runs", "\(ctx.settings.schema).dag_state"])
        guard r.value(0, 0) == "t" else {
            throw ValidationError("schema \(ctx.settings.schema) has no (current) scheduler tables; run `hubctl db migrate` first")
        }
        return SchedulerStore(db: db, schema: ctx.settings.schema)
    }

    /// For steering: brings the schema up to date first (needs a role that may).
    static func writeStore(_ ctx: Context) throws -> SchedulerStore {
        let db = try ctx.database()
        try ctx.schema.migrate(db, topology: ctx.topology)
        return SchedulerStore(db: db, schema: ctx.settings.schema)
    }

    /// `dag pause` and `dag unpause`: sets the flag and says whether it changed.
    static func setPaused(_ common: CommonOptions, _ name: String, _ paused: Bool, changed: String, unchanged: String) throws {
        let ctx = try Context(common)
        let definition = try dag(ctx, name)
        say(try writeStore(ctx).setPaused(definition.name, paused) ? "\(changed) \(definition.name)" : "\(definition.name) \(unchanged)")
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

    static func parseTime(_ text: String, _ option: String, _ dag: DAGDefinition) throws -> CronTime {
        do {
            return try CronTime.parse(text, in: dag.timeZone)
        } catch {
            throw ValidationError("\(option): \(error.description)")
        }
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        say(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    // MARK: What the read commands print with --json

    struct DAGView: Encodable {
        var name: String
        var schedule: String?
        var timezone: String
        var catchup: Bool
        var paused: Bool
        var tasks: [String]
        var latestRun: RunView?
    }

    struct RunView: Encodable {
        var id: Int64
        var kind: String
        var state: String
        var intervalStart: String
        var intervalEnd: String
        var createdAt: String
        var startedAt: String?
        var endedAt: String?
        var tasks: [TaskView]?

        init(_ run: RunRecord, _ zone: ScheduleTimeZone, tasks: [TaskView]? = nil) {
            id = run.id
            kind = run.kind.rawValue
            state = run.state.rawValue
            intervalStart = run.interval.start.formatted(in: zone)
            intervalEnd = run.interval.end.formatted(in: zone)
            createdAt = CronTime(secondsSinceEpoch: run.createdAt).formatted(in: zone)
            startedAt = run.startedAt.map { CronTime(secondsSinceEpoch: $0).formatted(in: zone) }
            endedAt = run.endedAt.map { CronTime(secondsSinceEpoch: $0).formatted(in: zone) }
            self.tasks = tasks
        }
    }

    struct TaskView: Encodable {
        var task: String
        var state: String
        var attempt: Int
        var startedAt: String?
        var endedAt: String?
        var claimedBy: String?
        var output: String?

        init(_ i: TaskInstanceRecord, _ zone: ScheduleTimeZone, output: Bool) {
            task = i.task
            state = i.state.rawValue
            attempt = i.attempt
            startedAt = i.startedAt.map { CronTime(secondsSinceEpoch: $0).formatted(in: zone) }
            endedAt = i.endedAt.map { CronTime(secondsSinceEpoch: $0).formatted(in: zone) }
            claimedBy = i.claimedBy
            self.output = output ? i.output : nil
        }
    }

    // MARK: Reading

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every DAG with its schedule, whether it is paused, and its latest run.")
        @OptionGroup var common: CommonOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let ctx = try Context(common)
            let store = try DagCommand.readStore(ctx)
            let paused = try store.pausedDAGs()
            var views: [DAGView] = []
            for dag in ctx.topology.dags {
                let latest = try store.runs(dag: dag.name, limit: 1).first.map { RunView($0, dag.timeZone) }
                views.append(DAGView(name: dag.name, schedule: dag.schedule?.expression, timezone: dag.timeZone.identifier,
                                     catchup: dag.catchup, paused: paused.contains(dag.name), tasks: dag.tasks.map(\.name),
                                     latestRun: latest))
            }
            if json { return try DagCommand.printJSON(views) }
            say("dag  schedule  timezone  catchup  paused  tasks  latest_run")
            for v in views {
                let run = v.latestRun.map { "#\($0.id) \($0.intervalStart) \($0.kind) \($0.state)" } ?? "-"
                say("\(v.name)  \(v.schedule ?? "manual")  \(v.timezone)  \(v.catchup)  \(v.paused)  \(v.tasks.count)  \(run)")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The DAG's recent runs and their task instances.")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Option(name: .long, help: "How many runs. Default 10.") var limit = 10
        @Flag(name: .long, help: "Print JSON.") var json = false

        struct View: Encodable {
            var dag: String
            var paused: Bool
            var leader: String?
            var leaderEpoch: Int64?
            var runs: [RunView]
        }

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            let store = try DagCommand.readStore(ctx)
            let leader = try store.leader()
            var runs: [RunView] = []
            for run in try store.runs(dag: dag.name, limit: max(1, limit)) {
                runs.append(RunView(run, dag.timeZone, tasks: try store.instances(run: run.id).map { TaskView($0, dag.timeZone, output: false) }))
            }
            let view = View(dag: dag.name, paused: try store.pausedDAGs().contains(dag.name), leader: leader?.name,
                            leaderEpoch: leader?.epoch, runs: runs)
            if json { return try DagCommand.printJSON(view) }
            if let leader { say("leader: \(leader.name) (epoch \(leader.epoch))") }
            if view.paused { say("paused: no new runs, no task starts (hubctl dag unpause \(dag.name))") }
            for run in runs {
                say("run #\(run.id) \(run.kind) [\(run.intervalStart), \(run.intervalEnd)) \(run.state)")
                for t in run.tasks ?? [] {
                    say("  \(t.task)  \(t.state)  attempt \(t.attempt)  started \(t.startedAt ?? "-")  ended \(t.endedAt ?? "-")")
                }
            }
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The output of every task instance of one run.")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Argument var runID: Int64
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            let store = try DagCommand.readStore(ctx)
            guard let run = try store.run(id: runID), run.dag == dag.name else { throw ValidationError("no run #\(runID) of \(name)") }
            let view = RunView(run, dag.timeZone, tasks: try store.instances(run: run.id).map { TaskView($0, dag.timeZone, output: true) })
            if json { return try DagCommand.printJSON(view) }
            say("run #\(view.id) \(view.kind) [\(view.intervalStart), \(view.intervalEnd)) \(view.state)")
            for t in view.tasks ?? [] {
                say("== \(t.task) (\(t.state), attempt \(t.attempt), by \(t.claimedBy ?? "-"))")
                if let output = t.output, !output.isEmpty { say(output) }
            }
        }
    }

    // MARK: Steering

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a manual run (the latest complete interval unless given).")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Option(name: .long, help: "Interval start, YYYY-MM-DD[Thh:mm[:ss]] in the DAG's time zone (or with Z/±hh:mm).") var intervalStart: String?

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            let now = SystemClock().now()
            let interval: DataInterval?
            if let text = intervalStart {
                let start = try DagCommand.parseTime(text, "--interval-start", dag)
                interval = dag.schedule == nil ? DataInterval(start: start, end: now) : dag.interval(startingAtOrAfter: start)
            } else {
                interval = dag.latestCompleteInterval(at: now) ?? DataInterval(start: now, end: now)
            }
            guard let interval else { throw ValidationError("the schedule of \(name) never fires") }
            let store = try DagCommand.writeStore(ctx)
            guard let id = try store.createRun(dag: dag.name, interval: interval, kind: .manual, now: now) else {
                throw ValidationError("a manual run of \(name) for \(interval) already exists")
            }
            let paused = try store.pausedDAGs().contains(dag.name) ? " (the DAG is paused: it starts once unpaused)" : ""
            say("queued run #\(id) of \(name) for [\(interval.start.formatted(in: dag.timeZone)), \(interval.end.formatted(in: dag.timeZone)))\(paused)")
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue backfill runs for every interval starting in [--from, --to); max_active_runs applies.")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Option(name: .long, help: "First interval start, YYYY-MM-DD[Thh:mm[:ss]] in the DAG's time zone (or with Z/±hh:mm).") var from: String
        @Option(name: .long, help: "End (exclusive) of the interval starts.") var to: String

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            let start = try DagCommand.parseTime(from, "--from", dag)
            let end = try DagCommand.parseTime(to, "--to", dag)
            guard start < end else { throw ValidationError("--from must be before --to") }
            let store = try DagCommand.writeStore(ctx)
            let intervals = dag.intervals(from: start, to: end)
            var created = 0
            for i in intervals where try store.createRun(dag: dag.name, interval: i, kind: .backfill, now: SystemClock().now()) != nil { created += 1 }
            say("queued \(created) backfill runs of \(name) (\(intervals.count - created) already existed); at most \(dag.maxActiveRuns) run at once")
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a DAG: no new scheduled runs, no task starts; attempts in flight finish.")
        @OptionGroup var common: CommonOptions
        @Argument var name: String

        func run() async throws {
            try DagCommand.setPaused(common, name, true, changed: "paused", unchanged: "was already paused")
        }
    }

    struct Unpause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unpause a DAG: its runs go on, and missed intervals are caught up when catchup is on.")
        @OptionGroup var common: CommonOptions
        @Argument var name: String

        func run() async throws {
            try DagCommand.setPaused(common, name, false, changed: "unpaused", unchanged: "was not paused")
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run tasks of a run again: the failed ones (and those that did not run because of them), or --task T and everything downstream.")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Argument var runID: Int64
        @Option(name: .long, help: "A task to run again, with its downstream tasks (repeatable). Default: every failed and upstream-failed task.")
        var task: [String] = []

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            let cleared: [String]
            do {
                cleared = try DagCommand.writeStore(ctx).clear(run: runID, of: dag, tasks: task)
            } catch let error as OperatorError {
                throw ValidationError(error.description)
            }
            say(cleared.isEmpty ? "run #\(runID) of \(name): nothing to clear"
                                : "run #\(runID) of \(name): cleared \(cleared.joined(separator: ", ")); the scheduler runs them again")
        }
    }

    struct MarkSuccess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-success",
            abstract: "Mark tasks of a run successful without running them (--task T, repeatable; default every task not yet successful).")
        @OptionGroup var common: CommonOptions
        @Argument var name: String
        @Argument var runID: Int64
        @Option(name: .long, help: "A task to mark successful (repeatable). Default: every task of the run not yet successful.")
        var task: [String] = []

        func run() async throws {
            let ctx = try Context(common)
            let dag = try DagCommand.dag(ctx, name)
            let marked: [String]
            do {
                marked = try DagCommand.writeStore(ctx).markSuccess(run: runID, of: dag, tasks: task, now: SystemClock().now())
            } catch let error as OperatorError {
                throw ValidationError(error.description)
            }
            say(marked.isEmpty ? "run #\(runID) of \(name): nothing to mark"
                               : "run #\(runID) of \(name): marked \(marked.joined(separator: ", ")) successful")
        }
    }
}
