import CRdKafka

/// Chooses partitions the way librdkafka's default partitioner does, for producers that pass
/// an explicit partition (e.g. to put many keyed records into one message per partition).
public enum KafkaPartitioner {
    /// The partition that librdkafka's default partitioner (`consistent_random`) gives a
    /// message with the non-empty key `key`: the CRC-32 of the key modulo `partitionCount`.
    ///
    /// Deterministic across processes and versions, so records partitioned here land where
    /// messages keyed with the same bytes and no explicit partition always did. An empty key
    /// maps to partition 0 (the default partitioner would choose at random).
    /// - Precondition: `partitionCount` is positive.
    public static func consistent<Key: Collection>(key: Key, partitionCount: Int32) -> Int32 where Key.Element == UInt8 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        if let partition = key.withContiguousStorageIfAvailable({ partition(of: UnsafeRawBufferPointer($0), partitionCount) }) {
            return partition
        }
        return Array(key).withUnsafeBytes { partition(of: $0, partitionCount) }
    }

    private static func partition(of key: UnsafeRawBufferPointer, _ partitionCount: Int32) -> Int32 {
        rd_kafka_msg_partitioner_consistent(nil, key.baseAddress, key.count, partitionCount, nil, nil)
    }
}
