import HubCore

/// `quarantine` (validity or referential): units quarantined for one of `reasons` count as
/// failed, once per source position, in the sink; every standardised record of the stream
/// counts as checked and passed (in Transform).
public struct QuarantineRule: RecordRule, RecordCheck, QuarantineUnitRule {
    public static let name = "quarantine"
    public static let kinds = ["validity", "referential"]
    public static let parameters = ["reasons"]
    public static let example = (recordType: RecordType.student, yaml: "reasons: [invalid_code, invalid_id_number]")
    public static let stage = MonitorDefinition.Stage.sinkQuarantine

    public var reasons: [QuarantineReason]

    public init(reasons: [QuarantineReason]) { self.reasons = reasons }

    public static func parse(_ p: MonitorParameters) -> QuarantineRule? {
        let known = "unknown reason; known: " + QuarantineReason.allCases.map(\.rawValue).joined(separator: ", ")
        let reasons = p.list("reasons", required: true, problem: known) { QuarantineReason(rawValue: $0) }
        return reasons.isEmpty ? nil : QuarantineRule(reasons: reasons)
    }

    public func evaluate(_ v: MonitorRecordView) -> Bool? { true }

    public func counts(_ reason: QuarantineReason) -> Bool { reasons.contains(reason) }
}
