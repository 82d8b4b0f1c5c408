/// One Kafka record header. Names may repeat within a message; values may be null.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    /// nil is a null header value, `[]` a zero-length one.
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header whose value is the UTF-8 encoding of `string`.
    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }
}
