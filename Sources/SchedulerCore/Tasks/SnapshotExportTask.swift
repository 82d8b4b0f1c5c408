import Operations

/// `snapshot_export`: every published aggregate table as zstd-compressed CSV
/// (``SnapshotExport``), one file per table per interval, stamped with the interval start in the
/// DAG's zone: `DIR/<table>/<table>_<YYYYMMDDTHHMM>.csv.zst`; `bom: true` adds a UTF-8 byte-order
/// mark for Excel.
struct SnapshotExportTask: TaskExecutor {
    static let typeName = "snapshot_export"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let directory = context.environment.resolve(context.substitute(context.task.text("directory") ?? "snapshots"))
        let stamp = context.interval.start.formatted(in: context.dag.timeZone).prefix(16)
            .replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        let export = SnapshotExport(directory: directory, stamp: stamp, byteOrderMark: context.task.text("bom") == "true")
        let written = try export.run(context.db, schema: context.environment.schema, topology: context.environment.topology)
        return .succeeded("exported:\n" + written.map(\.description).joined(separator: "\n"))
    }
}
