import HubCore
import Logging
import Metrics

/// Makes every isolated poison unit visible to operators: `hub_poison_isolated_total{stage,
/// reason}` and one log line with its source position and the content-free reason — never
/// the unit's content. (Units the ordinary checks quarantine are counted by
/// `hub_quarantined_units_total`; these are the ones whose processing failed deterministically.)
public struct PoisonReporter: Sendable {
    let stage: String
    let logger: Logger

    /// Creates the stage's counter for every reason at 0, so an alert on its increase sees the
    /// first isolation too.
    public init(stage: String, logger: Logger) {
        self.stage = stage
        self.logger = logger
        for reason in QuarantineReason.allCases { _ = Self.counter(stage, reason) }
    }

    static func counter(_ stage: String, _ reason: QuarantineReason) -> Counter {
        Counter(label: "hub_poison_isolated_total", dimensions: [("stage", stage), ("reason", reason.rawValue)])
    }

    public func isolated(_ unit: QuarantineUnit) {
        Self.counter(stage, unit.reason).increment()
        let p = unit.position
        logger.warning("poison unit isolated and quarantined", metadata: [
            "stage": "\(stage)", "reason": "\(unit.reason.rawValue)", "field": "\(unit.field ?? "-")",
            "topic": "\(p.topic)", "partition": "\(p.partition)", "offset": "\(p.offset)", "row": "\(p.row)",
            "detail": "\(unit.detail)",
        ])
    }

    /// A unit a stage without a quarantine (the archive) stored in part or left out.
    public func isolated(position: String, detail: String) {
        Counter(label: "hub_poison_isolated_total", dimensions: [("stage", stage), ("reason", QuarantineReason.malformed.rawValue)])
            .increment()
        logger.warning("poison unit isolated", metadata: ["stage": "\(stage)", "position": "\(position)", "detail": "\(detail)"])
    }
}
