import HubStore
import Kafka
import Logging
import Metrics
import Postgres
import Topology

/// Publishes raised alerts from the `quality_alerts` outbox — quality monitors' breaches and
/// monitoring scenarios' warnings alike: each alert goes to the alerts topic (keyed by
/// monitor|school|day, or scenario|NAME|level|region|period) and to the log, then is marked
/// published, in one transaction that claims the rows: another publisher at the same time (the
/// sink's outbox job, `hubctl quality evaluate`, `hubctl monitor evaluate`) skips them. A crash
/// between sending and the commit publishes them again on restart with the same key, which a
/// compacted topic or a consumer keyed on it folds into one.
public struct QualityAlertPublisher {
    let producer: KafkaProducer
    let db: PGConnection
    let schema: HubSchema
    let topology: Topology
    let topic: String
    let logger: Logger

    public init(producer: KafkaProducer, db: PGConnection, schema: HubSchema, topology: Topology, topic: String, logger: Logger) {
        self.producer = producer
        self.db = db
        self.schema = schema
        self.topology = topology
        self.topic = topic
        self.logger = logger
        // Every monitor's series exist from the start at 0 (alerts on their increase see the first one).
        for stream in topology.streams {
            for monitor in stream.monitors {
                _ = Counter(label: "hub_quality_alerts_total", dimensions: [("monitor", monitor.name), ("severity", monitor.severity.rawValue)])
                _ = Counter(label: "hub_quality_failed_units_total", dimensions: [("monitor", monitor.name)])
            }
        }
    }

    /// Publishes every unpublished alert no other publisher is sending; returns how many.
    @discardableResult
    public func publishPending() throws -> Int {
        var total = 0
        while true {
            let sent = try db.transaction { db in try publishClaimed(db) }
            guard sent > 0 else { return total }
            total += sent
        }
    }

    /// Claims up to a thousand unpublished alerts, sends them, waits for the broker, and marks
    /// them published; the caller's transaction holds the claim until then.
    private func publishClaimed(_ db: PGConnection) throws -> Int {
        let alerts = try QualityAlerts.unpublished(db, schema: schema, topology: topology, claim: true)
        guard !alerts.isEmpty else { return 0 }
        for a in alerts {
            try producer.send(topic: topic, key: Array(a.key.utf8), value: a.json,
                              headers: [KafkaHeader(name: "content-type", string: "application/json")])
            switch a {
            case .quality(let q):
                logger.warning("quality alert", metadata: [
                    "monitor": "\(q.monitor)", "severity": "\(q.severity)", "school": "\(q.shownSchool)", "day": "\(q.day)",
                    "failed": "\(q.failed)", "checked": "\(q.checked)"])
                Counter(label: "hub_quality_alerts_total", dimensions: [("monitor", q.monitor), ("severity", q.severity)]).increment()
            case .scenario(let w):
                logger.warning("scenario warning", metadata: [
                    "scenario": "\(w.scenario)", "severity": "\(w.severity)", "level": "\(w.level)", "region": "\(w.region)",
                    "period": "\(w.period)", "value": "\(w.value)"])
                Counter(label: "hub_scenario_alerts_total", dimensions: [("scenario", w.scenario), ("severity", w.severity)]).increment()
            }
        }
        try producer.flush(timeout: .seconds(30))
        try QualityAlerts.markPublished(db, schema: schema, alerts)
        return alerts.count
    }
}
