import Kafka

extension WorkerSettings {
    /// The Kafka client properties every client of the pipeline (workers, hubctl, scheduler
    /// tasks) starts from: the brokers, `client.id` `eduhub-<stage>`, the client's `defaults`,
    /// then the operator's `--kafka-property` / `HUB_KAFKA_PROPERTIES` values, which win.
    public func kafkaConfig(_ defaults: [String: String] = [:]) -> KafkaConfig {
        var properties = ["bootstrap.servers": brokers, "client.id": "eduhub-\(stage)"]
        properties.merge(defaults) { $1 }
        properties.merge(kafkaProperties) { $1 }
        return KafkaConfig(properties)
    }
}
