import Foundation

/// One log line from librdkafka, delivered to ``KafkaConfig/logHandler``.
public struct KafkaLogMessage: Sendable, Hashable {
    /// Syslog severity: 0 emergency … 3 error, 4 warning, 5 notice, 6 info, 7 debug.
    public var level: Int32
    /// librdkafka's subsystem tag, e.g. `FAIL`, `REQTMOUT`, `CGRPJOIN`.
    public var facility: String
    /// The text, usually prefixed by librdkafka with the client and broker name.
    public var message: String

    public init(level: Int32, facility: String, message: String) {
        self.level = level
        self.facility = facility
        self.message = message
    }
}

extension KafkaLogMessage {
    /// The handler used when none is configured: warnings and worse go to standard error.
    static let defaultHandler: @Sendable (KafkaLogMessage) -> Void = { entry in
        guard entry.level <= 4 else { return }
        FileHandle.standardError.write(Data("librdkafka[\(entry.level)] \(entry.facility): \(entry.message)\n".utf8))
    }
}
