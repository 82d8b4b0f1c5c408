/// librdkafka configuration properties (see librdkafka's CONFIGURATION.md) plus where logs go.
///
/// Producer and consumer add their own defaults (large message limits, manual commits);
/// every property set here overrides those defaults. Unknown or invalid properties are
/// reported as a ``KafkaError`` when the client is created.
public struct KafkaConfig: Sendable {
    /// Property name → value, exactly as librdkafka spells them, e.g. `bootstrap.servers`.
    public var properties: [String: String]
    /// Receives librdkafka's log lines, on librdkafka's own threads. When nil, warnings and
    /// worse (syslog level ≤ 4) are written to standard error and the rest is dropped.
    public var logHandler: (@Sendable (KafkaLogMessage) -> Void)?
    /// Told whether the client can reach a broker: false as soon as librdkafka reports all
    /// brokers down, true when its statistics show a broker connection up. Consumers only
    /// (a producer serves callbacks only while it sends); called on the polling thread, inside
    /// ``KafkaConsumer/poll(maxMessages:timeout:)``. Setting it turns librdkafka's statistics
    /// on every `statistics.interval.ms` (default here 5000) and routes errors through an error
    /// callback, which passes them on to ``logHandler`` as before.
    public var connectivityHandler: (@Sendable (Bool) -> Void)?

    public init(_ properties: [String: String] = [:]) {
        self.properties = properties
        self.logHandler = nil
        self.connectivityHandler = nil
    }

    /// Reads or sets one property; setting nil removes it (so the default applies).
    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// The largest message the producer accepts and the consumer is sized to fetch, in bytes.
    ///
    /// librdkafka's own default (1,000,000) is below the 1 MiB contract limit once framing is
    /// added; internal messages can be larger still, so both sides default to 20 MiB.
    public static let defaultMaxMessageBytes = 20 * 1024 * 1024
}
