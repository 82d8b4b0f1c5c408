import Yams

/// Reads and checks the `dags:` mapping of one topology file: every DAG's schedule, time zone
/// and tasks, with unknown task types, unknown dependencies, cycles and bad cron reported at
/// their line.
struct DAGParser {
    let reader: YAMLReader

    func parse(_ node: Node?) -> [DAGDefinition] {
        var out: [DAGDefinition] = []
        for (name, keyNode, value) in reader.mapping(node, "dags") {
            if !isPlainIdentifier(name) { reader.issue(keyNode, "DAG name \"\(name)\" must be lower-case letters, digits and _") }
            if let dag = parseDAG(name, keyNode, value) { out.append(dag) }
        }
        return out
    }

    private func parseDAG(_ name: String, _ keyNode: Node, _ node: Node) -> DAGDefinition? {
        let what = "DAG \"\(name)\""
        let e = reader.mapping(node, what, allowedKeys: ["description", "schedule", "timezone", "catchup", "max_active_runs",
                                                         "concurrency", "tasks"])
        var schedule: CronSchedule?
        if let s = e["schedule"], let text = reader.string(s, "schedule") {
            do { schedule = try CronSchedule(text) } catch { reader.issue(s, error.description) }
        }
        var zone = ScheduleTimeZone.shanghai
        if let z = e["timezone"], let text = reader.string(z, "timezone") {
            if let parsed = ScheduleTimeZone(named: text) { zone = parsed } else { reader.issue(z, "unknown time zone \"\(text)\"") }
        }
        let maxActive = positive(e["max_active_runs"], "max_active_runs") ?? 1
        let concurrency = positive(e["concurrency"], "concurrency") ?? 16
        let tasks = parseTasks(reader.required(e, "tasks", in: node, what), dag: name)
        if tasks.isEmpty, e["tasks"] != nil { reader.issue(e["tasks"], "\(what) has no tasks") }
        checkGraph(tasks, e["tasks"], dag: name)
        return DAGDefinition(name: name, description: e["description"].flatMap { reader.string($0, "description") } ?? "",
                             schedule: schedule, timeZone: zone, catchup: e["catchup"].flatMap { reader.bool($0, "catchup") } ?? false,
                             maxActiveRuns: maxActive, concurrency: concurrency, tasks: tasks, file: reader.file,
                             line: keyNode.mark?.line ?? 1)
    }

    private func parseTasks(_ node: Node?, dag: String) -> [DAGTaskDefinition] {
        var out: [DAGTaskDefinition] = []
        for (name, keyNode, value) in reader.mapping(node, "tasks of DAG \"\(dag)\"") {
            let what = "task \"\(name)\""
            let e = reader.mapping(value, what, allowedKeys: ["type", "params", "depends_on", "retries", "retry_backoff", "timeout"])
            guard let typeNode = reader.required(e, "type", in: value, what), let type = reader.string(typeNode, "type") else { continue }
            guard let required = DAGTaskType.required[type] else {
                reader.issue(typeNode, "unknown task type \"\(type)\" (known: \(DAGTaskType.names.joined(separator: ", ")))")
                continue
            }
            var params: [String: DAGParameter] = [:]
            for (key, _, v) in reader.mapping(e["params"], "params of \(what)") {
                switch v {
                case .sequence(let s): params[key] = .list(s.map { $0.scalar?.string ?? "" })
                default:
                    if let text = v.scalar?.string { params[key] = .text(text) } else { reader.issue(v, "parameter \"\(key)\" must be text or a list") }
                }
            }
            for key in required where params[key] == nil {
                reader.issue(e["params"] ?? typeNode, "\(type) \(what) needs the parameter \"\(key)\"")
            }
            let deps = reader.sequence(e["depends_on"], "depends_on").compactMap { reader.string($0, "depends_on") }
            out.append(DAGTaskDefinition(
                name: name, type: type, params: params, dependsOn: deps,
                retries: nonNegative(e["retries"], "retries") ?? 0,
                retryBackoffSeconds: nonNegative(e["retry_backoff"], "retry_backoff") ?? 60,
                timeoutSeconds: positive(e["timeout"], "timeout") ?? 3600,
                line: keyNode.mark?.line ?? 1))
        }
        return out
    }

    /// Unknown dependencies at the dependency's line; a cycle once, at the line of the task
    /// that closes it, naming the whole path.
    private func checkGraph(_ tasks: [DAGTaskDefinition], _ tasksNode: Node?, dag: String) {
        let byName = Dictionary(tasks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for t in tasks {
            for d in t.dependsOn where byName[d] == nil {
                reader.issue(line: t.line, column: 1, "task \"\(t.name)\" of DAG \"\(dag)\" depends on unknown task \"\(d)\"")
            }
        }
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var path: [String] = []
        var reported = false
        func visit(_ t: DAGTaskDefinition) {
            state[t.name] = 1
            path.append(t.name)
            for d in t.dependsOn {
                guard let dep = byName[d], !reported else { continue }
                if state[d] == 1 {
                    let cycle = path[path.lastIndex(of: d)!...] + [d]
                    reader.issue(line: t.line, column: 1, "DAG \"\(dag)\" has a dependency cycle: \(cycle.joined(separator: " → "))")
                    reported = true
                } else if state[d] == nil {
                    visit(dep)
                }
            }
            path.removeLast()
            state[t.name] = 2
        }
        for t in tasks where state[t.name] == nil { visit(t) }
    }

    private func positive(_ node: Node?, _ what: String) -> Int? {
        guard let node else { return nil }
        guard let n = node.scalar.flatMap({ Int($0.string) }), n > 0 else {
            reader.issue(node, "\(what) must be a positive integer")
            return nil
        }
        return n
    }

    private func nonNegative(_ node: Node?, _ what: String) -> Int? {
        guard let node else { return nil }
        guard let n = node.scalar.flatMap({ Int($0.string) }), n >= 0 else {
            reader.issue(node, "\(what) must be a non-negative integer")
            return nil
        }
        return n
    }
}
