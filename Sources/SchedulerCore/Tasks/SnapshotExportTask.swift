import CSVOutput
import Foundation
import Zstd

/// `snapshot_export`: every published aggregate table as CSV with a header (RFC 4180 through the
/// shared ``CSVWriter``; `bom: true` adds a UTF-8 byte-order mark for Excel), zstd-compressed,
/// one file per table per interval: `DIR/<table>/<table>_<interval start in the DAG's zone>.csv.zst`.
/// Written to a temporary name and renamed, so a consumer never sees half a file and a retry
/// replaces it.
struct SnapshotExportTask: TaskExecutor {
    static let typeName = "snapshot_export"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let directory = context.environment.resolve(context.substitute(context.task.text("directory") ?? "snapshots"))
        let stamp = context.interval.start.formatted(in: context.dag.timeZone).prefix(16)
            .replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        var written: [String] = []
        for stream in context.environment.topology.streams {
            for aggregate in stream.aggregates {
                let r = try context.db.query("SELECT * FROM \(context.environment.schema).\(aggregate.table) ORDER BY 1, 2, 3")
                var csv = CSVWriter(byteOrderMark: context.task.text("bom") == "true")
                csv.writeRecord(r.columnNames)
                for i in 0..<r.rowCount {
                    csv.writeRecord(r.columnNames.indices.map { r.value(i, $0) })
                }
                let tableDirectory = directory + "/" + aggregate.table
                try FileManager.default.createDirectory(atPath: tableDirectory, withIntermediateDirectories: true)
                let path = "\(tableDirectory)/\(aggregate.table)_\(stamp).csv.zst"
                let temporary = path + ".tmp"
                guard FileManager.default.createFile(atPath: temporary, contents: Data(Zstd.compress(csv.bytes))) else {
                    throw TaskFailure("cannot write \(temporary)")
                }
                _ = rename(temporary, path)
                written.append("\(path) (\(r.rowCount) rows)")
            }
        }
        return .succeeded("exported:\n" + written.joined(separator: "\n"))
    }
}
