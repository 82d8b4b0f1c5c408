import CRdKafka

/// Cluster administration needed by the pipeline's setup: creating topics and checking them.
/// Each call uses a short-lived client of its own.
public enum KafkaAdmin {
    /// Creates `topics` with the broker's default replication factor (CreateTopics API).
    /// A topic that already exists is not an error, so setup can run on every start;
    /// its partition count is left as it is.
    public static func createTopics(config: KafkaConfig, _ topics: [(name: String, partitions: Int)], timeout: Duration) throws {
        try createTopics(config: config, topics.map { (name: $0.name, partitions: $0.partitions, configs: [:]) }, timeout: timeout)
    }

    /// The same, with topic configurations (e.g. `retention.ms`) set on the topics it creates;
    /// an existing topic keeps its own.
    public static func createTopics(config: KafkaConfig, _ topics: [(name: String, partitions: Int, configs: [String: String])],
                                    timeout: Duration) throws {
        guard !topics.isEmpty else { return }
        let client = try KafkaClient(kind: .producer, config: config, defaults: [:])
        var errorText = [CChar](repeating: 0, count: 512)

        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, Int32(clamping: topic.partitions), -1, &errorText, errorText.count) else {
                throw KafkaError.invalidConfiguration("topic \(topic.name): \(KafkaClient.string(errorText))")
            }
            newTopics.append(newTopic)
            for (key, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                let code = rd_kafka_NewTopic_set_config(newTopic, key, value)
                guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError(code, context: "topic \(topic.name) config \(key)=\(value)")
                }
            }
        }

        let context = "creating topics \(topics.map(\.name))"
        try request(client, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout: timeout, operationTimeout: true, context: context) { options, queue in
            rd_kafka_CreateTopics(client.handle, &newTopics, newTopics.count, options, queue)
        } read: { event in
            try checkCreatedTopics(event)
        }
    }

    /// Throws the first topic the broker did not create, unless it already existed.
    private static func checkCreatedTopics(_ event: OpaquePointer) throws {
        var count = 0
        guard let result = rd_kafka_event_CreateTopics_result(event),
              let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let code = rd_kafka_topic_result_error(topicResult)
            guard code != RD_KAFKA_RESP_ERR_NO_ERROR, code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let detail = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
            throw KafkaError(code, context: "creating topic \(name)", detail: detail)
        }
    }

    /// ``createTopics(config:_:timeout:)`` for a broker needing no settings but its address.
    public static func createTopics(bootstrap: String, _ topics: [(name: String, partitions: Int)], timeout: Duration) throws {
        try createTopics(config: KafkaConfig(["bootstrap.servers": bootstrap]), topics, timeout: timeout)
    }

    /// The partition count of `topic` from a fresh metadata request; nil if it does not exist.
    public static func partitionCount(config: KafkaConfig, topic: String, timeout: Duration) throws -> Int? {
        try KafkaClient(kind: .producer, config: config, defaults: [:]).partitionCount(topic: topic, timeout: timeout)
    }

    /// ``partitionCount(config:topic:timeout:)`` for a broker needing no settings but its address.
    public static func partitionCount(bootstrap: String, topic: String, timeout: Duration) throws -> Int? {
        try partitionCount(config: KafkaConfig(["bootstrap.servers": bootstrap]), topic: topic, timeout: timeout)
    }
}
