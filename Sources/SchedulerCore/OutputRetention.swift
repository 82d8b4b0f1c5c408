import Foundation

/// Keeps the scheduler's output directory (reports, snapshots) from growing without end: files
/// last modified more than the retention period ago are deleted. Directories stay (a task may
/// be about to write into one; they are one per table or report kind, so they do not pile up).
/// The leading scheduler applies it every hour (`--output-retention-days`).
public enum OutputRetention {
    public struct Summary: Sendable, Equatable {
        public var deletedFiles: Int
        public var deletedBytes: Int64
    }

    /// Deletes the files under `directory` last modified before `now - days`. Symbolic links
    /// are removed as links (by their own time), never followed.
    public static func prune(_ directory: String, olderThanDays days: Int, now: Date = Date()) throws -> Summary {
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        var summary = Summary(deletedFiles: 0, deletedBytes: 0)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else { return summary }
        var pending = [directory]
        while let path = pending.popLast() {
            for name in try fm.contentsOfDirectory(atPath: path) {
                let child = path + "/" + name
                let attributes = try fm.attributesOfItem(atPath: child)
                if attributes[.type] as? FileAttributeType == .typeDirectory {
                    pending.append(child)
                } else if let modified = attributes[.modificationDate] as? Date, modified < cutoff {
                    summary.deletedBytes += (attributes[.size] as? NSNumber)?.int64Value ?? 0
                    try fm.removeItem(atPath: child)
                    summary.deletedFiles += 1
                }
            }
        }
        return summary
    }
}
