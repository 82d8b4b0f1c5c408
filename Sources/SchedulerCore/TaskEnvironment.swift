import Kafka
import Topology

/// What task implementations may use beyond their own parameters: the database, the
/// topology, the broker and the pipeline's topics and groups, and where files go.
public struct TaskEnvironment: Sendable {
    /// libpq conninfo; each attempt opens its own connection.
    public var conninfo: String
    public var schema: String
    public var topology: Topology
    /// The broker; nil when the scheduler runs without one (sensors then fail).
    public var kafka: KafkaConfig?
    public var rawTopics: [String]
    public var ingestedTopic: String
    /// Topics the sink consumes (standard zone and dead letters).
    public var sinkTopics: [String]
    public var ingestGroup: String
    public var transformGroup: String
    public var sinkGroup: String
    /// The `hubctl` binary, for tasks that reuse its commands.
    public var hubctlPath: String
    /// Environment given to external commands (the worker's settings as HUB_* variables).
    public var commandEnvironment: [String: String]
    /// Base directory for relative output directories.
    public var outputDirectory: String

    public init(conninfo: String, schema: String, topology: Topology, kafka: KafkaConfig? = nil, rawTopics: [String] = [],
                ingestedTopic: String = "hub.ingested", sinkTopics: [String] = [], ingestGroup: String = "hub-ingest",
                transformGroup: String = "hub-transform", sinkGroup: String = "hub-sink", hubctlPath: String = "hubctl",
                commandEnvironment: [String: String] = [:], outputDirectory: String = ".") {
        self.conninfo = conninfo
        self.schema = schema
        self.topology = topology
        self.kafka = kafka
        self.rawTopics = rawTopics
        self.ingestedTopic = ingestedTopic
        self.sinkTopics = sinkTopics
        self.ingestGroup = ingestGroup
        self.transformGroup = transformGroup
        self.sinkGroup = sinkGroup
        self.hubctlPath = hubctlPath
        self.commandEnvironment = commandEnvironment
        self.outputDirectory = outputDirectory
    }

    /// `path` itself when absolute, else under ``outputDirectory``.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : outputDirectory + "/" + path
    }
}
