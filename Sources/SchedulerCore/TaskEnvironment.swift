import Foundation
import HubCrypto
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
    /// The dead-letter topic (its records are purged once the sink has stored them).
    public var quarantineTopic: String?
    public var ingestGroup: String
    public var transformGroup: String
    public var sinkGroup: String
    /// The `hubctl` binary, for command tasks that run it.
    public var hubctlPath: String
    /// Environment given to every external command: the pipeline's settings as HUB_* variables,
    /// never a secret (no database, no password, no key).
    public var commandEnvironment: [String: String]
    /// Added for commands that declare `needs: [database]` (and hubctl tasks): `HUB_DATABASE`
    /// without a password and `HUB_DATABASE_PASSWORD_FILE`, the file's path — not its content.
    public var databaseCommandEnvironment: [String: String]
    /// Values that must never be stored or logged (the database password): replaced in task
    /// output before it is recorded.
    public var secrets: [String]
    /// Base directory for relative output directories.
    public var outputDirectory: String
    /// Opens sealed quarantined records for `quarantine_replay`; nil when no at-rest key is configured.
    public var atRestKeyring: AtRestKeyring?

    public init(conninfo: String, schema: String, topology: Topology, kafka: KafkaConfig? = nil, rawTopics: [String] = [],
                ingestedTopic: String = "hub.ingested", sinkTopics: [String] = [], quarantineTopic: String? = nil, ingestGroup: String = "hub-ingest",
                transformGroup: String = "hub-transform", sinkGroup: String = "hub-sink", hubctlPath: String = "hubctl",
                commandEnvironment: [String: String] = [:], databaseCommandEnvironment: [String: String] = [:],
                secrets: [String] = [], outputDirectory: String = ".", atRestKeyring: AtRestKeyring? = nil) {
        self.conninfo = conninfo
        self.schema = schema
        self.topology = topology
        self.kafka = kafka
        self.rawTopics = rawTopics
        self.ingestedTopic = ingestedTopic
        self.sinkTopics = sinkTopics
        self.quarantineTopic = quarantineTopic
        self.ingestGroup = ingestGroup
        self.transformGroup = transformGroup
        self.sinkGroup = sinkGroup
        self.hubctlPath = hubctlPath
        self.commandEnvironment = commandEnvironment
        self.databaseCommandEnvironment = databaseCommandEnvironment
        self.secrets = secrets.filter { !$0.isEmpty }
        self.outputDirectory = outputDirectory
        self.atRestKeyring = atRestKeyring
    }

    /// `text` with every secret replaced by `[redacted]` (task output, error messages).
    public func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }

    /// `path` itself when absolute, else under ``outputDirectory``.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : outputDirectory + "/" + path
    }
}
