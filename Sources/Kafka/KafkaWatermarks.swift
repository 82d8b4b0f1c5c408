/// High watermarks as the broker reports them in fetch responses.
///
/// Why not ListOffsets: the development broker (tansu 0.6) answers ListOffsets with the base
/// offset of the partition's last record batch + 1, which under-reports the end of any
/// partition whose last batch held several messages; its fetch responses carry the right high
/// watermark. Reading it from a fetch is correct on every broker.
public enum KafkaWatermarks {
    /// The high watermark (offset after the last message) of each partition.
    public static func high(config: KafkaConfig, _ partitions: [TopicPartition], timeout: Duration) throws -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        var config = config
        config["group.id"] = nil
        config["fetch.wait.max.ms"] = "10"
        config["enable.partition.eof"] = "false"
        let consumer = try KafkaConsumer(config: config)
        defer { consumer.close() }
        try consumer.assign(partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.end) })
        let deadline = ContinuousClock.now + timeout
        var result: [TopicPartition: Int64] = [:]
        while true {
            _ = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(20))
            for p in partitions where result[p] == nil {
                if let w = consumer.cachedWatermarks(p) { result[p] = w.high }
            }
            if result.count == partitions.count { return result }
            if ContinuousClock.now >= deadline {
                let missing = partitions.filter { result[$0] == nil }.map(\.description).joined(separator: ", ")
                throw KafkaError(code: -185, name: "TIMED_OUT", message: "no fetch response for \(missing)")
            }
        }
    }
}
