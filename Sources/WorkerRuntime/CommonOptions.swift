import ArgumentParser
import Foundation
import Kafka
import Logging
import Postgres

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

    @Option(name: .long, help: "Longest time the poll loop may go without progress before /healthz reports it stalled (503), in milliseconds; 0 turns the check off. Env HUB_STALL_TIMEOUT_MS. Default 300000 (5 minutes).")
    public var stallTimeoutMs: Int?

    @Option(name: .long, help: "Optional configuration file of KEY=VALUE lines using the environment variable names above (e.g. HUB_KAFKA_BROKERS=…); flags and the environment override it. Env HUB_CONFIG_FILE.")
    public var config: String?

    @Flag(name: .long, help: "Validate the configuration and the topology, check that the broker (and database, secret) are reachable, print a summary and exit.")
    public var checkConfig = false
}

/// The resolved configuration: flags, then environment, then the configuration file, then
/// defaults. Every value that is set but unusable is a ``ConfigurationError`` naming the flag or
/// variable it came from.
public struct WorkerSettings: Sendable {
    public var stage: String
    public var brokers: String
    /// libpq connection string, keyword form, with the password from the password file if one
    /// was given (never log it).
    public var database: String
    /// The connection string as configured, without the password file's password: what child
    /// processes get in `HUB_DATABASE`, together with ``databasePasswordFile``.
    public var databaseWithoutPassword: String
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
    public var logLevel: Logger.Level
    public var batchSize: Int
    public var batchWait: Duration
    /// How long the poll loop may make no progress before `/healthz` fails; nil = never.
    public var stallTimeout: Duration?
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

    /// A topic name from the topology or defaults, with the configured prefix.
    public func topic(_ name: String) -> String { topicPrefix + name }

    public init(stage: String, defaultHTTPPort: Int, options o: CommonOptions,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        try self.init(stage: stage, defaultHTTPPort: defaultHTTPPort, options: o,
                      source: SettingSource(configFile: o.config, environment: environment))
    }

    public init(stage: String, defaultHTTPPort: Int, options o: CommonOptions, source: SettingSource) throws(ConfigurationError) {
        self.stage = stage
        brokers = source.string(o.brokers, flag: "--brokers", env: "HUB_KAFKA_BROKERS", default: "127.0.0.1:9092")
        guard !brokers.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigurationError("--brokers / HUB_KAFKA_BROKERS must name at least one broker (host:port)")
        }
        (database, databaseWithoutPassword, databasePasswordFile, databasePassword) = try Self.database(o, source: source)
        schema = source.string(o.schema, flag: "--schema", env: "HUB_SCHEMA", default: "hub")
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,40}$", options: .regularExpression) != nil else {
            throw ConfigurationError("\(source.raw(o.schema, flag: "--schema", env: "HUB_SCHEMA")?.origin ?? "--schema") \"\(schema.prefix(64))\" must be lower-case letters, digits and _ (at most 41)")
        }
        topologyDirectory = source.string(o.topology, flag: "--topology", env: "HUB_TOPOLOGY_DIR", default: "Topologies")
        topicPrefix = source.string(o.topicPrefix, flag: "--topic-prefix", env: "HUB_TOPIC_PREFIX", default: "")
        registryTopic = topicPrefix + source.string(o.registryTopic, flag: "--registry-topic", env: "HUB_REGISTRY_TOPIC", default: "ref.school")
        ingestedTopic = topicPrefix + source.string(o.ingestedTopic, flag: "--ingested-topic", env: "HUB_INGESTED_TOPIC", default: "hub.ingested")
        quarantineTopic = topicPrefix + source.string(o.quarantineTopic, flag: "--quarantine-topic", env: "HUB_QUARANTINE_TOPIC", default: "hub.quarantine")
        alertsTopic = topicPrefix + source.string(o.alertsTopic, flag: "--alerts-topic", env: "HUB_ALERTS_TOPIC", default: "quality.alerts")
        group = source.string(o.group, flag: "--group", env: "HUB_GROUP", default: "hub-\(stage)")
        let props = try Self.kafkaProperties(o, source: source)
        kafkaProperties = props
        let minimumMessage = (1 << 20) + 2 * Self.messageFramingBytes
        if let text = props["message.max.bytes"] {
            guard let n = Int(text), n >= minimumMessage, n <= 1_000_000_000 else {
                throw ConfigurationError("Kafka property message.max.bytes must be an integer from \(minimumMessage) to 1000000000, not \"\(text.prefix(64))\"")
            }
            maxMessageBytes = n
        } else {
            maxMessageBytes = KafkaConfig.defaultMaxMessageBytes
        }
        httpPort = try source.integer(o.httpPort, flag: "--http-port", env: "HUB_HTTP_PORT", default: defaultHTTPPort, range: 0...65535)
        let format = try source.choice(o.logFormat, flag: "--log-format", env: "HUB_LOG_FORMAT", default: "text", choices: ["text", "json"])
        logFormat = LogFormat(rawValue: format) ?? .text
        let level = try source.choice(o.logLevel, flag: "--log-level", env: "HUB_LOG_LEVEL", default: "info",
                                      choices: Logger.Level.allCases.map(\.rawValue))
        logLevel = Logger.Level(rawValue: level) ?? .info
        batchSize = try source.integer(o.batchSize, flag: "--batch-size", env: "HUB_BATCH_SIZE", default: 5000, range: 1...10_000_000)
        let wait = try source.integer(o.batchWaitMs, flag: "--batch-wait-ms", env: "HUB_BATCH_WAIT_MS", default: 200,
                                      range: 0...3_600_000, unit: "milliseconds")
        batchWait = .milliseconds(wait)
        let stall = try source.integer(o.stallTimeoutMs, flag: "--stall-timeout-ms", env: "HUB_STALL_TIMEOUT_MS", default: 300_000,
                                       range: 0...86_400_000, unit: "milliseconds")
        stallTimeout = stall == 0 ? nil : .milliseconds(stall)
        checkConfig = o.checkConfig
    }

    /// The connection string (with the password file's password), as configured, the password
    /// file and the password.
    private static func database(_ o: CommonOptions, source: SettingSource) throws(ConfigurationError)
        -> (String, withoutPassword: String, passwordFile: String?, password: String?) {
        let databaseOrigin = source.raw(o.database, flag: "--database", env: "HUB_DATABASE")
        let withoutPassword = databaseOrigin?.text ?? "host=127.0.0.1 dbname=eduhub"
        var conninfo: PGConnInfo
        do {
            conninfo = try PGConnInfo(withoutPassword)
        } catch {
            throw ConfigurationError("\(databaseOrigin?.origin ?? "the default database") is not a libpq connection string or postgresql:// URL: \(error)")
        }
        let passwordFile = source.optionalString(o.databasePasswordFile, flag: "--database-password-file", env: "HUB_DATABASE_PASSWORD_FILE")
        guard let file = passwordFile else {
            // As written (libpq reads URLs itself); only checked above.
            return (withoutPassword, withoutPassword, nil, source.environment["PGPASSWORD"])
        }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("cannot read the database password file \(file) (--database-password-file / HUB_DATABASE_PASSWORD_FILE)")
        }
        // Only line endings are trimmed: a password may begin or end with a space.
        var password = Substring(text)
        while let last = password.last, last == "\n" || last == "\r" || last == "\r\n" { password.removeLast() }
        guard !password.isEmpty else { throw ConfigurationError("the database password file \(file) is empty") }
        conninfo["password"] = String(password)
        return (conninfo.keywordString, withoutPassword, file, String(password))
    }

    /// `HUB_KAFKA_PROPERTIES`, then `--kafka-property` values, and the SASL password from its file.
    private static func kafkaProperties(_ o: CommonOptions, source: SettingSource) throws(ConfigurationError) -> [String: String] {
        var props: [String: String] = [:]
        let envProps = source.value("HUB_KAFKA_PROPERTIES").map { $0.split(separator: ",").map(String.init) } ?? []
        for (p, origin) in envProps.map({ ($0, "HUB_KAFKA_PROPERTIES") }) + o.kafkaProperty.map({ ($0, "--kafka-property") }) {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                throw ConfigurationError("\(origin): \"\(p.prefix(64))\" must be KEY=VALUE")
            }
            props[String(p[..<eq]).trimmingCharacters(in: .whitespaces)] = String(p[p.index(after: eq)...])
        }
        // Broker credentials are secrets: from a file, never a property value on a command line or
        // in an environment a child process could inherit.
        if props["sasl.password"] != nil {
            throw ConfigurationError("Kafka property sasl.password must not be given as a value; put it in a file named by HUB_KAFKA_SASL_PASSWORD_FILE")
        }
        if let file = source.value("HUB_KAFKA_SASL_PASSWORD_FILE") {
            guard let data = FileManager.default.contents(atPath: file),
                  let pw = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !pw.isEmpty else {
                throw ConfigurationError("HUB_KAFKA_SASL_PASSWORD_FILE: cannot read a password from \(file)")
            }
            props["sasl.password"] = pw
        }
        return props
    }
}

/// A configuration problem, reported as one line before the worker exits.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
