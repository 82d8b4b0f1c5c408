import HubCore
import HubStore
import Operations

/// `quarantine_replay`: replays quarantined records of one reason (default `unknown_school`,
/// optionally one `school`) through the pipeline, in-process (``QuarantineReplay``, the code
/// behind `hubctl quarantine replay`). A replay keeps original source positions, so running it
/// twice changes nothing.
struct QuarantineReplayTask: TaskExecutor {
    static let typeName = "quarantine_replay"

    func run(_ context: TaskContext) throws -> TaskCompletion {
        let reasonName = context.task.text("reason") ?? QuarantineReason.unknownSchool.rawValue
        guard let reason = QuarantineReason(rawValue: reasonName) else {
            throw TaskFailure("unknown reason \"\(reasonName)\"; use one of: " + QuarantineReason.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard let kafka = context.environment.kafka else { throw TaskFailure("no broker configured") }
        let replay = QuarantineReplay(reason: reason, school: context.task.text("school"))
        let target = QuarantineReplay.Target(kafka: kafka, ingestedTopic: context.environment.ingestedTopic,
                                             keyring: context.environment.atRestKeyring)
        let outcome = try replay.run(context.db, schema: HubSchema(name: context.environment.schema), target: target,
                                     actor: "scheduler:\(context.dag.name).\(context.task.name)")
        return .succeeded(outcome.summary(reason: reason))
    }
}
