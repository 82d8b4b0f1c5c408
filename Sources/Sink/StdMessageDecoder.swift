import HubCore
import Kafka
import Logging
import SinkCore
import Topology

/// Turns consumed messages into a ``SinkBatch``: standard-zone batches (masks moved to the
/// stable monitor bits), and dead letters. A standard record that is not where its key says it
/// must be (another record type than its topic's, or a partition its key does not map to) is
/// a protocol violation the slot maps cannot tolerate: it is quarantined, never applied.
struct StdMessageDecoder {
    let streams: [String: StreamDefinition]
    let partitionCounts: [String: Int32]
    let bits: MonitorBits
    let logger: Logger
    private var remaps: [String: MaskRemap] = [:]

    init(streams: [String: StreamDefinition], partitionCounts: [String: Int32], bits: MonitorBits, logger: Logger) {
        self.streams = streams
        self.partitionCounts = partitionCounts
        self.bits = bits
        self.logger = logger
    }

    mutating func decode(_ m: KafkaMessage, quarantineTopic: String, into batch: inout SinkBatch) {
        guard let value = m.value else { return }
        do {
            if m.topic == quarantineTopic {
                batch.quarantine.append(try QuarantineUnit(decoding: value))
                return
            }
            guard let stream = streams[m.topic], let count = partitionCounts[m.topic] else { return }
            // Decoded straight onto the batch's records (no array per message, no second copy).
            let start = batch.records.count
            let names = try StandardRecordBatch.decodeMessage(value, appendingTo: &batch.records)
            // Legacy messages name no monitors: their bits follow the topology's order.
            let declared = names.isEmpty ? stream.monitors.map(\.name) : names
            let cacheKey = "\(stream.recordType.rawValue)|" + declared.joined(separator: ",")
            let remap = remaps[cacheKey] ?? bits.remap(stream.recordType, declared: declared)
            remaps[cacheKey] = remap
            // Read in place: `contains` on the slice copied every record into its closure (a
            // retain per string and the copy itself: a tenth of the sink's record copies).
            let misplaced = batch.records.withUnsafeBufferPointer { records in
                records[start...].indices.contains { i in
                    !(records[i].type == stream.recordType && records[i].belongs(onPartition: m.partition, of: count))
                }
            }
            if misplaced {
                // Rare (a protocol violation): take the message's records out and sort them.
                let decoded = Array(batch.records[start...])
                batch.records.removeSubrange(start...)
                for r in decoded {
                    guard r.type == stream.recordType, r.belongs(onPartition: m.partition, of: count) else {
                        batch.quarantine.append(misrouted(r, m, count))
                        continue
                    }
                    batch.records.append(r)
                }
            }
            for i in start..<batch.records.count {
                batch.records[i].qualityChecked = remap.apply(batch.records[i].qualityChecked)
                batch.records[i].qualityFailed = remap.apply(batch.records[i].qualityFailed) & batch.records[i].qualityChecked
            }
            batch.partitions.append(contentsOf: repeatElement(m.partition, count: batch.records.count - start))
        } catch {
            logger.error("unreadable internal message skipped", metadata: [
                "topic": "\(m.topic)", "partition": "\(m.partition)", "offset": "\(m.offset)", "error": "\(error)"])
        }
    }

    private func misrouted(_ r: StandardRecord, _ m: KafkaMessage, _ count: Int32) -> QuarantineUnit {
        logger.error("standard record on the wrong topic or partition quarantined", metadata: [
            "topic": "\(m.topic)", "partition": "\(m.partition)", "offset": "\(m.offset)",
            "source": "\(r.position.topic)/\(r.position.partition)@\(r.position.offset)#\(r.position.row)"])
        return QuarantineUnit(
            position: r.position, timestampMs: r.sourceTimestampMs, recordType: r.type, reason: .malformed, field: nil,
            detail: "standard record of type \(r.type.rawValue) on \(m.topic) partition \(m.partition); "
                + (r.keyGeneration > 1 && r.type.hasPersonCode
                    ? "routed among \(r.routedPartitions) partitions, not \(count)"
                    : "its key belongs to partition \(r.key.partition(of: count))")
                + " (drain std.* before changing partition counts or upgrading)",
            schoolCode: SchoolCode.dimension(r.schoolCode), raw: r.encoded(), record: nil)
    }
}
