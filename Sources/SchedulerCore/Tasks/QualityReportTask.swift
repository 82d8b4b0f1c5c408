import Foundation

/// `quality_report`: a placeholder until the quality monitor exists — it writes the province
/// totals of every aggregate and the quarantine counts to `DIR/quality_<interval date>.txt`.
struct QualityReportTask: TaskExecutor {
    static let typeName = "quality_report"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let s = context.environment.schema
        var lines = ["quality report (placeholder: aggregate summary) for \(context.dag.name) \(context.interval)"]
        for stream in context.environment.topology.streams {
            for aggregate in stream.aggregates {
                let sums = aggregate.measures.map { "coalesce(sum(\($0.column)), 0)" }.joined(separator: ", ")
                let r = try context.db.query("SELECT count(*), \(sums) FROM \(s).\(aggregate.table) WHERE level = 'province'")
                let measures = aggregate.measures.indices.map { "\(aggregate.measures[$0].column)=\(r.value(0, $0 + 1) ?? "0")" }
                lines.append("\(aggregate.table): \(r.value(0, 0) ?? "0") province rows; " + measures.joined(separator: " "))
            }
        }
        let q = try context.db.query("SELECT reason, records FROM \(s).quarantine_counts ORDER BY 1")
        lines.append("quarantine: " + (0..<q.rowCount).map { "\(q.value($0, 0) ?? "")=\(q.value($0, 1) ?? "0")" }.joined(separator: " "))
        let directory = context.environment.resolve(context.substitute(context.task.text("directory") ?? "reports"))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/quality_\(context.interval.start.formatted(in: context.dag.timeZone).prefix(10)).txt"
        let text = lines.joined(separator: "\n") + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else { throw TaskFailure("cannot write \(path)") }
        return .succeeded(text)
    }
}
