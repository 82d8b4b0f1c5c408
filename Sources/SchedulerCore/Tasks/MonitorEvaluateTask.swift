import HubCore
import Monitoring

/// `monitor_evaluate`: evaluates the monitoring scenarios for the periods holding the run's
/// day (the interval's first day in the DAG's zone), as of that day. Params: `periods` (a list
/// of `month` and/or `term`; default both). The results and the recorded success are one
/// transaction per period under the attempt's lease, and re-running gives the same rows; new
/// warnings wait in the alert outbox, which the sink publishes.
struct MonitorEvaluateTask: TaskExecutor {
    static let typeName = "monitor_evaluate"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let kinds = try (context.task.list("periods") ?? ["month", "term"]).map { name in
            guard let kind = ReportingPeriod.Kind(rawValue: name) else { throw TaskFailure("periods are month or term, not \"\(name)\"") }
            return kind
        }
        guard !kinds.isEmpty else { throw TaskFailure("periods must name month and/or term") }
        let start = context.interval.start.secondsSinceEpoch
        let day = CalendarDate(daysSinceEpoch: Int(CalendarDate.dayNumber(epochSeconds: start,
                                                                          utcOffsetSeconds: context.dag.timeZone.offsetSeconds(at: start))))
        let evaluation = ScenarioEvaluation(db: context.db, schema: context.hubSchema, topology: context.environment.topology)
        var lines: [String] = []
        var failures: [String] = []
        for (n, kind) in kinds.enumerated() {
            let period = ReportingPeriod.containing(day, kind: kind)
            let last = n == kinds.count - 1
            let summary = try evaluation.evaluate(period: period, asOf: day) { _, summary in
                try context.holdLease()
                if last && failures.isEmpty && summary.failures.isEmpty {
                    try context.recordSuccess(output: (lines + [Self.line(summary)]).joined(separator: "; "))
                }
            }
            lines.append(Self.line(summary))
            failures += summary.failures.map { "\($0.scenario): \($0.message)" }
        }
        if !failures.isEmpty { throw TaskFailure("scenarios failed: " + failures.joined(separator: "; ")) }
        return .recorded
    }

    static func line(_ s: ScenarioEvaluation.Summary) -> String {
        "\(s.period.id) as of \(s.asOf): \(s.scenarios) scenarios, \(s.warnings) rows in warning, \(s.alerts.count) new warnings"
    }
}
