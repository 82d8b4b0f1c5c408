import CRdKafka

/// Reads messages from Kafka, either as a member of a consumer group (``subscribe(_:)``)
/// or from partitions chosen by the caller (``assign(_:)``).
///
/// Not thread-safe: use it from one thread (or one task) at a time. It is `Sendable` so that
/// it can be handed to the thread or task that polls it; the rebalance listener runs on that
/// thread, inside ``poll(maxMessages:timeout:)``.
///
/// Offsets are committed only when you call ``commit(_:)`` (auto-commit is off by default),
/// so nothing is acknowledged before the caller has processed it.
public final class KafkaConsumer: @unchecked Sendable {
    private let client: KafkaClient
    private let hasGroupID: Bool
    private var isClosed = false
    /// The topics of the last ``subscribe(_:)``, for the join watchdog.
    private var subscription: [String]?
    /// How long a join may go without an assignment before the consumer rejoins: three
    /// session timeouts (at least 20 s), doubling after each rejoin up to 10 minutes.
    private let baseRejoinAfter: Duration
    private var rejoinAfter: Duration

    /// Properties set unless the caller sets them.
    static let defaults: [String: String] = [
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
        "enable.partition.eof": "false",
        "partition.assignment.strategy": "range,roundrobin",
        "message.max.bytes": String(KafkaConfig.defaultMaxMessageBytes),
        "max.partition.fetch.bytes": String(KafkaConfig.defaultMaxMessageBytes),
        "fetch.max.bytes": String(64 * 1024 * 1024),
        "receive.message.max.bytes": String(64 * 1024 * 1024 + 1024 * 1024),
    ]

    /// Creates the consumer; it connects lazily.
    ///
    /// `group.id` is required for ``subscribe(_:)`` and for committing to a group; a consumer
    /// without one can only ``assign(_:)`` (librdkafka still needs a group name internally, so
    /// a private one is generated). Cooperative rebalancing is rejected because the rebalance
    /// listener contract assumes the eager protocol.
    public init(config: KafkaConfig, rebalanceListener: (any KafkaRebalanceListener)? = nil) throws {
        var config = config
        if let strategy = config["partition.assignment.strategy"], strategy.contains("cooperative") {
            throw KafkaError.invalidConfiguration("partition.assignment.strategy \(strategy): only eager strategies are supported")
        }
        if let protocolName = config["group.protocol"], protocolName != "classic" {
            throw KafkaError.invalidConfiguration("group.protocol \(protocolName): only the classic protocol is supported")
        }
        hasGroupID = !(config["group.id"] ?? "").isEmpty
        let sessionMs = Int64(config["session.timeout.ms"] ?? "") ?? 45_000
        baseRejoinAfter = .milliseconds(max(20_000, 3 * sessionMs))
        rejoinAfter = baseRejoinAfter
        if !hasGroupID {
            config["group.id"] = "unsubscribed-\(UInt64.random(in: 0...UInt64.max))"
        }
        client = try KafkaClient(kind: .consumer, config: config, defaults: Self.defaults, rebalanceListener: rebalanceListener)
        // Serve rebalances, logs and errors from consumer_poll, on the caller's thread.
        let code = rd_kafka_poll_set_consumer(client.handle)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code, context: "redirecting the main queue") }
    }

    deinit { close() }

    /// Joins the consumer group (`group.id`) for `topics`; partitions arrive via rebalances
    /// served by ``poll(maxMessages:timeout:)``.
    public func subscribe(_ topics: [String]) throws {
        guard hasGroupID else { throw KafkaError.invalidConfiguration("subscribe needs group.id") }
        let list = NativePartitionList(topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
        try check(rd_kafka_subscribe(client.handle, list.pointer), "subscribing to \(topics)")
        subscription = topics
        client.context.awaitAssignment()
    }

    /// The join watchdog: a group join that has produced no assignment (not even an empty
    /// one) for ``rejoinAfter`` is abandoned and started again. A broker can leave a member
    /// waiting forever (seen with tansu after another member left); a normal join, even one
    /// that waits for a dead member's session to expire, finishes well within the limit.
    private func rejoinIfStuck() throws {
        guard let topics = subscription else { return }
        guard let since = client.context.awaitingAssignmentSince else {
            rejoinAfter = baseRejoinAfter
            return
        }
        let waited = ContinuousClock.now - since
        guard waited > rejoinAfter else { return }
        client.context.logHandler(KafkaLogMessage(
            level: 4, facility: "JOINWATCH",
            message: "no partition assignment \(waited.components.seconds) s after joining the group; leaving and joining again"))
        try check(rd_kafka_unsubscribe(client.handle), "unsubscribing to rejoin")
        try subscribe(topics)
        rejoinAfter = min(rejoinAfter * 2, .seconds(600))
    }

    /// Reads exactly `partitions` starting at the given offsets, without group membership
    /// (e.g. to read a whole topic from ``TopicPartitionOffset/beginning``). Replaces any
    /// previous assignment; an empty array stops all fetching.
    public func assign(_ partitions: [TopicPartitionOffset]) throws {
        let list = NativePartitionList(partitions)
        try check(rd_kafka_assign(client.handle, list.pointer), "assigning \(partitions)")
    }

    /// Returns up to `maxMessages` messages: waits at most `timeout` for the first one, then
    /// takes only what is already fetched. An empty result means nothing arrived in time.
    ///
    /// Non-fatal consumer errors (partition EOF, broker connection trouble, unknown topics)
    /// are passed to the log handler and not thrown: librdkafka recovers from them by itself.
    /// Fatal errors, and failures while applying a rebalance, are thrown.
    public func poll(maxMessages: Int, timeout: Duration) throws -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < maxMessages {
            let wait = messages.isEmpty ? max(deadline - ContinuousClock.now, .zero).clampedMilliseconds : 0
            guard let message = rd_kafka_consumer_poll(client.handle, wait) else {
                if wait == 0 { break } else { continue }
            }
            defer { rd_kafka_message_destroy(message) }
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                messages.append(KafkaMessage(copying: message))
            } else {
                try handleConsumerError(message)
            }
            if let failure = client.context.takeRebalanceFailure() { throw failure }
        }
        if let failure = client.context.takeRebalanceFailure() { throw failure }
        try rejoinIfStuck()
        return messages
    }

    /// Commits `offsets` to the group synchronously. Each offset is the next one to read,
    /// i.e. the last processed message's offset + 1. An empty array does nothing.
    public func commit(_ offsets: [TopicPartitionOffset]) throws {
        guard !offsets.isEmpty else { return }
        let list = NativePartitionList(offsets)
        try check(rd_kafka_commit(client.handle, list.pointer, 0), "committing \(offsets)")
        if let failure = list.firstError(context: "committing") { throw failure }
    }

    /// The group's committed offsets for `partitions`, asked from the group coordinator;
    /// ``TopicPartitionOffset/invalid`` where nothing was committed.
    public func committed(_ partitions: [TopicPartition], timeout: Duration) throws -> [TopicPartitionOffset] {
        let list = NativePartitionList(partitions)
        try check(rd_kafka_committed(client.handle, list.pointer, timeout.clampedMilliseconds), "reading committed offsets")
        if let failure = list.firstError(context: "reading committed offset of") { throw failure }
        return list.offsets
    }

    /// Stops fetching `partitions` while keeping them assigned (back-pressure).
    public func pause(_ partitions: [TopicPartition]) throws {
        let list = NativePartitionList(partitions)
        try check(rd_kafka_pause_partitions(client.handle, list.pointer), "pausing \(partitions)")
        if let failure = list.firstError(context: "pausing") { throw failure }
    }

    /// Resumes fetching partitions stopped by ``pause(_:)``.
    public func resume(_ partitions: [TopicPartition]) throws {
        let list = NativePartitionList(partitions)
        try check(rd_kafka_resume_partitions(client.handle, list.pointer), "resuming \(partitions)")
        if let failure = list.firstError(context: "resuming") { throw failure }
    }

    /// Moves the fetch position of an assigned partition; the next message returned for it
    /// is at `position.offset` (which may be a logical offset such as `beginning`).
    public func seek(_ position: TopicPartitionOffset, timeout: Duration) throws {
        let list = NativePartitionList([position])
        if let failure = rd_kafka_seek_partitions(client.handle, list.pointer, timeout.clampedMilliseconds) {
            throw KafkaError(consuming: failure, context: "seeking \(position)")
        }
        if let failure = list.firstError(context: "seeking") { throw failure }
    }

    /// The partitions currently assigned to this consumer (by the group or by ``assign(_:)``).
    public func assignment() throws -> [TopicPartition] {
        var native: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try check(rd_kafka_assignment(client.handle, &native), "reading the assignment")
        guard let native else { return [] }
        return NativePartitionList(adopting: native).partitions
    }

    /// The partition's low and high watermark (first offset, offset after the last message),
    /// asked from the partition leader. Costs a round trip (~0.2 s on the development broker).
    public func queryWatermarks(_ partition: TopicPartition, timeout: Duration) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_query_watermark_offsets(
            client.handle, partition.topic, partition.partition, &low, &high, timeout.clampedMilliseconds
        )
        try check(code, "querying watermarks of \(partition)")
        return (low, high)
    }

    /// The end offset (offset after the last message) of each of `partitions`, in their order,
    /// asked in one ListOffsets request per partition leader — ``queryWatermarks(_:timeout:)``
    /// costs two round trips per partition.
    public func endOffsets(_ partitions: [TopicPartition], timeout: Duration) throws -> [TopicPartitionOffset] {
        guard !partitions.isEmpty else { return [] }
        let list = NativePartitionList(partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.end) })
        try check(rd_kafka_offsets_for_times(client.handle, list.pointer, timeout.clampedMilliseconds),
                  "reading the end offsets of \(partitions)")
        if let failure = list.firstError(context: "reading the end offset of") { throw failure }
        return list.offsets
    }

    /// The watermarks last seen in fetch responses, without asking the broker; nil until the
    /// partition has been fetched. The low watermark may be ``TopicPartitionOffset/invalid``.
    public func cachedWatermarks(_ partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_get_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, high != TopicPartitionOffset.invalid else { return nil }
        return (low, high)
    }

    /// The next offset this consumer will return for each partition (last returned + 1),
    /// ``TopicPartitionOffset/invalid`` where nothing has been consumed yet.
    public func position(_ partitions: [TopicPartition]) throws -> [TopicPartitionOffset] {
        let list = NativePartitionList(partitions)
        try check(rd_kafka_position(client.handle, list.pointer), "reading positions")
        return list.offsets
    }

    /// Leaves the group cleanly (the listener sees the revocation) and stops fetching.
    /// Safe to call more than once; called by `deinit` if not called before. Commits nothing.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        let code = rd_kafka_consumer_close(client.handle)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            client.context.logHandler(KafkaLogMessage(
                level: 4, facility: "CLOSE", message: "closing consumer: \(String(cString: rd_kafka_err2str(code)))"
            ))
        }
    }

    private func handleConsumerError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) throws {
        let code = message.pointee.err
        if code == RD_KAFKA_RESP_ERR__PARTITION_EOF { return }
        if code == RD_KAFKA_RESP_ERR__FATAL {
            throw KafkaError.clientFatalError(of: client.handle, context: "consuming")
                ?? KafkaError(code, context: "consuming")
        }
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) }
        let place = topic.map { " \($0)[\(message.pointee.partition)]" } ?? ""
        let detail = String(cString: rd_kafka_message_errstr(message))
        client.context.logHandler(KafkaLogMessage(
            level: 4, facility: "CONSUMER", message: "consumer error\(place): \(detail) (\(String(cString: rd_kafka_err2name(code))))"
        ))
    }

    private func check(_ code: rd_kafka_resp_err_t, _ context: @autoclosure () -> String) throws {
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        throw KafkaError(code, context: context())
    }
}
