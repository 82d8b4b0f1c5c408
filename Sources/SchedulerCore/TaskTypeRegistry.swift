/// Every task type the scheduler implements, by name. Adding a type is adding its file, a line
/// here and its parameters in `DAGTaskType.required` (Topology), which validation checks.
public enum TaskTypeRegistry {
    public static let executors: [String: any TaskExecutor] = {
        let all: [any TaskExecutor.Type] = [
            SQLTask.self, CommandTask.self, ReconcileTask.self, QuarantineReplayTask.self, PurgeTask.self,
            SnapshotExportTask.self, QualityReportTask.self, WatermarkSensorTask.self, MonitorEvaluateTask.self,
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.typeName, $0.init()) })
    }()
}
