import HubCore

/// What standardising one raw record gives: a standard record, or a quarantine verdict.
public enum StandardizationOutcome: Sendable {
    case standard(StandardRecord)
    case quarantine(reason: QuarantineReason, field: String?, detail: String, schoolCode: String?)
}
