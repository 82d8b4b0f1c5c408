import Logging
import Prometheus
import Topology

/// What every worker is started with: its resolved settings, the topology, its logger, the
/// readiness and liveness state its endpoints report, and the metrics registry they serve.
public struct WorkerContext: Sendable {
    public let settings: WorkerSettings
    public let topology: Topology
    public let logger: Logger
    public let health: HealthState
    let registry: PrometheusCollectorRegistry

    public var stage: String { settings.stage }
}
