import ArgumentParser
import Foundation
import Kafka

/// Options every worker shares. Each can be given as a flag or an environment variable (the
/// flag wins); the help text names both and the default.
public struct CommonOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(name: .long, help: "Kafka bootstrap servers. Env HUB_KAFKA_BROKERS. Default 127.0.0.1:9092.")
    public var brokers: String?

    @Option(name: .long, help: "PostgreSQL conninfo (libpq keywords or URL; password via PGPASSWORD or --database-password-file, never here). Env HUB_DATABASE. Default \"host=127.0.0.1 dbname=eduhub\".")
    public var database: String?

    @Option(name: .long, help: "File holding the database password. Env HUB_DATABASE_PASSWORD_FILE.")
    public var databasePasswordFile: String?

    @Option(name: .long, help: "PostgreSQL schema of the published tables. Env HUB_SCHEMA. Default hub.")
    public var schema: String?

    @Option(name: .long, help: "Directory of topology YAML files. Env HUB_TOPOLOGY_DIR. Default ./Topologies.")
    public var topology: String?

    @Option(name: .long, help: "Prefix added to every topic name (raw, registry, internal, standard zone, dead letters), e.g. to isolate environments. Env HUB_TOPIC_PREFIX. Default none.")
    public var topicPrefix: String?

    @Option(name: .long, help: "Registry topic. Env HUB_REGISTRY_TOPIC. Default ref.school.")
    public var registryTopic: String?

    @Option(name: .long, help: "Internal topic from Ingest to Transform. Env HUB_INGESTED_TOPIC. Default hub.ingested.")
    public var ingestedTopic: String?

    @Option(name: .long, help: "Dead-letter (quarantine) topic. Env HUB_QUARANTINE_TOPIC. Default hub.quarantine.")
    public var quarantineTopic: String?

    @Option(name: .long, help: "Topic for data-quality alerts (one message per breach). Env HUB_ALERTS_TOPIC. Default quality.alerts.")
    public var alertsTopic: String?

    @Option(name: .long, help: "Consumer group id. Env HUB_GROUP. Default hub-<stage>.")
    public var group: String?

    @Option(name: .long, parsing: .singleValue, help: "Extra librdkafka property KEY=VALUE (repeatable). Env HUB_KAFKA_PROPERTIES (comma-separated).")
    public var kafkaProperty: [String] = []

    @Option(name: .long, help: "Port of the /healthz, /readyz and /metrics endpoint; 0 disables it. Env HUB_HTTP_PORT. Default: ingest 9481, transform 9482, sink 9483, scheduler 9484.")
    public var httpPort: Int?

    @Option(name: .long, help: "Log format: text or json. Env HUB_LOG_FORMAT. Default text.")
    public var logFormat: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error. Env HUB_LOG_LEVEL. Default info.")
    public var logLevel: String?

    @Option(name: .long, help: "Most messages per batch. Env HUB_BATCH_SIZE. Default 5000.")
    public var batchSize: Int?

    @Option(name: .long, help: "Longest wait to fill a batch, in milliseconds. Env HUB_BATCH_WAIT_MS. Default 200.")
    public var batchWaitMs: Int?

    @Option(name: .long, help: "Optional configuration file of KEY=VALUE lines using the environment variable names above (e.g. HUB_KAFKA_BROKERS=…); flags and the environment override it. Env HUB_CONFIG_FILE.")
    public var config: String?

    @Flag(name: .long, help: "Validate the configuration and the topology, check that the broker (and database, secret) are reachable, print a summary and exit.")
    public var checkConfig = false
}

/// The resolved configuration: flags, then environment, then defaults.
public struct WorkerSettings: Sendable {
    public var stage: String
    public var brokers: String
    /// The conninfo with the password from the password file appended (what this process uses).
    public var database: String
    /// The conninfo as configured, without the password file's content (for child processes).
    public var databaseWithoutPassword: String
    /// The password file's path, when one is configured.
    public var databasePasswordFile: String?
    /// The password (from the file or `PGPASSWORD`): a secret to keep out of task output and logs.
    public var databasePassword: String?
    public var schema: String
    public var topologyDirectory: String
    public var topicPrefix: String
    public var registryTopic: String
    public var ingestedTopic: String
    public var quarantineTopic: String
    public var alertsTopic: String
    public var group: String
    public var kafkaProperties: [String: String]
    public var httpPort: Int
    public var logFormat: LogFormat
    public var logLevel: String
    public var batchSize: Int
    public var batchWait: Duration
    public var checkConfig: Bool
    /// The largest message the workers produce: librdkafka's `message.max.bytes`
    /// (`--kafka-property message.max.bytes=N`, default 20 MiB). The broker and the internal
    /// topics (`max.message.bytes`) must accept it.
    public var maxMessageBytes: Int

    /// Room kept in a message for its key, headers and the broker's framing.
    public static let messageFramingBytes = 64 * 1024
    /// The largest value of an internal message (`hub.ingested`, `hub.quarantine`, `std.*`).
    public var maxInternalValueBytes: Int { maxMessageBytes - Self.messageFramingBytes }

    public enum LogFormat: String, Sendable { case text, json }

    /// `KEY=VALUE` lines; blank lines and `#` comments ignored; values may be quoted.
    static func readConfigFile(_ path: String) throws(ConfigurationError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("cannot read the configuration file \(path)")
        }
        var out: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else {
                throw ConfigurationError("\(path):\(n + 1): expected KEY=VALUE")
            }
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = String(value.dropFirst().dropLast())
            }
            out[line[..<eq].trimmingCharacters(in: .whitespaces)] = value
        }
        return out
    }

    /// A topic name from the topology or defaults, with the configured prefix.
    public func topic(_ name: String) -> String { topicPrefix + name }

    public init(stage: String, defaultHTTPPort: Int, options o: CommonOptions,
                environment processEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        var env = processEnvironment
        if let file = o.config ?? processEnvironment["HUB_CONFIG_FILE"] {
            env = try Self.readConfigFile(file).merging(processEnvironment) { _, fromEnvironment in fromEnvironment }
        }
        func pick(_ flag: String?, _ key: String, _ fallback: String) -> String { flag ?? env[key] ?? fallback }
        self.stage = stage
        brokers = pick(o.brokers, "HUB_KAFKA_BROKERS", "127.0.0.1:9092")
        var db = pick(o.database, "HUB_DATABASE", "host=127.0.0.1 dbname=eduhub")
        databaseWithoutPassword = db
        databasePasswordFile = o.databasePasswordFile ?? env["HUB_DATABASE_PASSWORD_FILE"]
        databasePassword = env["PGPASSWORD"]
        if let file = databasePasswordFile {
            guard let data = FileManager.default.contents(atPath: file), let pw = String(data: data, encoding: .utf8) else {
                throw ConfigurationError("cannot read the database password file \(file)")
            }
            databasePassword = pw.trimmingCharacters(in: .whitespacesAndNewlines)
            let escaped = pw.trimmingCharacters(in: .whitespacesAndNewlines)
                .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            db += " password='\(escaped)'"
        }
        database = db
        schema = pick(o.schema, "HUB_SCHEMA", "hub")
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,40}$", options: .regularExpression) != nil else {
            throw ConfigurationError("schema \"\(schema)\" must be lower-case letters, digits and _")
        }
        topologyDirectory = pick(o.topology, "HUB_TOPOLOGY_DIR", "Topologies")
        topicPrefix = pick(o.topicPrefix, "HUB_TOPIC_PREFIX", "")
        registryTopic = topicPrefix + pick(o.registryTopic, "HUB_REGISTRY_TOPIC", "ref.school")
        ingestedTopic = topicPrefix + pick(o.ingestedTopic, "HUB_INGESTED_TOPIC", "hub.ingested")
        quarantineTopic = topicPrefix + pick(o.quarantineTopic, "HUB_QUARANTINE_TOPIC", "hub.quarantine")
        alertsTopic = topicPrefix + pick(o.alertsTopic, "HUB_ALERTS_TOPIC", "quality.alerts")
        group = pick(o.group, "HUB_GROUP", "hub-\(stage)")
        var props: [String: String] = [:]
        let envProps = env["HUB_KAFKA_PROPERTIES"].map { $0.split(separator: ",").map(String.init) } ?? []
        for p in envProps + o.kafkaProperty {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                throw ConfigurationError("Kafka property \"\(p)\" must be KEY=VALUE")
            }
            props[String(p[..<eq]).trimmingCharacters(in: .whitespaces)] = String(p[p.index(after: eq)...])
        }
        // Broker credentials are secrets: from a file, never a property value on a command line or
        // in an environment a child process could inherit.
        if props["sasl.password"] != nil {
            throw ConfigurationError("Kafka property sasl.password must not be given as a value; put it in a file named by HUB_KAFKA_SASL_PASSWORD_FILE")
        }
        if let file = env["HUB_KAFKA_SASL_PASSWORD_FILE"] {
            guard let data = FileManager.default.contents(atPath: file),
                  let pw = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !pw.isEmpty else {
                throw ConfigurationError("HUB_KAFKA_SASL_PASSWORD_FILE: cannot read a password from \(file)")
            }
            props["sasl.password"] = pw
        }
        kafkaProperties = props
        let minimumMessage = (1 << 20) + 2 * Self.messageFramingBytes
        if let text = props["message.max.bytes"] {
            guard let n = Int(text), n >= minimumMessage, n <= 1_000_000_000 else {
                throw ConfigurationError("Kafka property message.max.bytes must be an integer from \(minimumMessage) to 1000000000, not \"\(text)\"")
            }
            maxMessageBytes = n
        } else {
            maxMessageBytes = KafkaConfig.defaultMaxMessageBytes
        }
        let port = o.httpPort ?? env["HUB_HTTP_PORT"].flatMap(Int.init) ?? defaultHTTPPort
        guard (0...65535).contains(port) else { throw ConfigurationError("HTTP port \(port) is out of range") }
        httpPort = port
        let format = pick(o.logFormat, "HUB_LOG_FORMAT", "text")
        guard let lf = LogFormat(rawValue: format) else { throw ConfigurationError("log format must be text or json, not \"\(format)\"") }
        logFormat = lf
        logLevel = pick(o.logLevel, "HUB_LOG_LEVEL", "info")
        let size = o.batchSize ?? env["HUB_BATCH_SIZE"].flatMap(Int.init) ?? 5000
        guard size > 0 else { throw ConfigurationError("batch size must be positive") }
        batchSize = size
        let wait = o.batchWaitMs ?? env["HUB_BATCH_WAIT_MS"].flatMap(Int.init) ?? 200
        guard wait >= 0 else { throw ConfigurationError("batch wait must not be negative") }
        batchWait = .milliseconds(wait)
        checkConfig = o.checkConfig
    }
}

/// A configuration problem, reported as one line before the worker exits.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
