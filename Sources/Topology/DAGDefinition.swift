/// A DAG of batch tasks, as a data steward writes it under `dags:` in a topology file: what
/// runs, in which order, on which schedule, and how failures are retried.
public struct DAGDefinition: Sendable {
    public var name: String
    public var description: String
    /// When runs are created; nil for DAGs that only run when triggered or backfilled.
    public var schedule: CronSchedule?
    public var timeZone: ScheduleTimeZone
    /// Whether intervals missed while no scheduler ran are run afterwards (oldest first).
    public var catchup: Bool
    /// Most runs of this DAG in progress at once (backfills and catch-up respect it).
    public var maxActiveRuns: Int
    /// Most task instances of this DAG running at once, over all its runs.
    public var concurrency: Int
    /// Tasks in the order written; dependencies are acyclic (validated).
    public var tasks: [DAGTaskDefinition]
    public var file: String
    public var line: Int

    public func task(_ name: String) -> DAGTaskDefinition? { tasks.first { $0.name == name } }

    /// The task names in an order where every task follows its dependencies.
    public var topologicalOrder: [String] {
        var done: Set<String> = [], out: [String] = []
        func visit(_ t: DAGTaskDefinition) {
            guard !done.contains(t.name) else { return }
            done.insert(t.name)
            for d in t.dependsOn { if let dep = task(d) { visit(dep) } }
            out.append(t.name)
        }
        tasks.forEach(visit)
        return out
    }
}

/// One task of a DAG.
public struct DAGTaskDefinition: Sendable {
    public var name: String
    /// The task type, e.g. `sql`; see ``DAGTaskType``.
    public var type: String
    public var params: [String: DAGParameter]
    public var dependsOn: [String]
    /// Further attempts after the first fails.
    public var retries: Int
    /// Seconds before the first retry; doubled for each further one.
    public var retryBackoffSeconds: Int
    /// Longest an attempt may run, in seconds.
    public var timeoutSeconds: Int
    public var line: Int

    /// The delay before attempt `attempt + 1`, after attempt `attempt` failed (1-based).
    public func backoff(afterAttempt attempt: Int) -> Int {
        retryBackoffSeconds * (1 << min(max(attempt - 1, 0), 20))
    }

    public func text(_ key: String) -> String? {
        if case .text(let s)? = params[key] { return s }
        return nil
    }

    public func list(_ key: String) -> [String]? {
        switch params[key] {
        case .list(let l)?: return l
        case .text(let s)?: return [s]
        case nil: return nil
        }
    }
}

/// A task parameter: a scalar or a list of scalars, as text.
public enum DAGParameter: Sendable, Hashable {
    case text(String)
    case list([String])
}

/// The task types a DAG may use and the parameters each requires; the scheduler has one
/// implementation per type.
public enum DAGTaskType {
    public static let required: [String: [String]] = [
        "sql": ["sql"],
        "command": ["argv"],
        "reconcile": [],
        "quarantine_replay": [],
        "purge": ["older_than_days"],
        "snapshot_export": ["directory"],
        "quality_report": ["directory"],
        "monitor_evaluate": [],
        "watermark_sensor": [],
    ]

    public static var names: [String] { required.keys.sorted() }
}
