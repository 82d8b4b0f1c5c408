import HubStore
import SinkCore
import Kafka
import Logging
import Metrics

/// Counts what the sink receives more than once, so that a redelivery can be seen rather than
/// assumed (operators: a steady rate means rewinds or upstream restarts; tests: proof that a
/// crash point really made the pipeline read something again).
///
/// - `hub_sink_redelivered_messages_total`: messages this process polls again after a rewind
///   (a failed commit, a fence, a revocation): offsets below the highest it had read.
/// - `hub_sink_redelivered_copies_total`: units a commit found already applied — a standard
///   record whose version (source position) is the one in effect, a quarantine unit already
///   stored: copies re-sent by Ingest or Transform after a restart, or replayed.
///
/// A sink that is itself restarted starts from the stored offsets and cannot know what its
/// predecessor had read; the `sink.before-commit` test kill point names the batch in flight.
/// Used on the polling thread only.
final class RedeliveryCounter {
    private var readUpTo: [TopicPartition: Int64] = [:]
    private let messages = Counter(label: "hub_sink_redelivered_messages_total")
    private let copies = Counter(label: "hub_sink_redelivered_copies_total")

    /// Notes polled messages; returns how many of them had been read before.
    func read(_ polled: [KafkaMessage]) -> Int {
        var again = 0
        for m in polled {
            let tp = m.topicPartition
            if let upTo = readUpTo[tp], m.offset < upTo {
                again += 1
            } else {
                readUpTo[tp] = m.offset + 1
            }
        }
        if again > 0 { messages.increment(by: again) }
        return again
    }

    /// Notes a committed batch's messages read again and copies found already applied, and
    /// logs each (at info: both are rare, and worth an operator's glance).
    func committed(readAgain: Int, copies n: Int, logger: Logger) {
        if readAgain > 0 {
            logger.info("committed a batch read again after a rewind", metadata: ["messages_read_again": "\(readAgain)"])
        }
        if n > 0 {
            copies.increment(by: n)
            logger.info("batch held copies of units already applied", metadata: ["copies": "\(n)"])
        }
    }
}

extension SinkBatch {
    /// `topic#partition expected..next` per partition, for the test kill points' line.
    var offsetRanges: String {
        offsets.map { "\($0.topic)#\($0.partition) \($0.expected)..\($0.next)" }.joined(separator: ", ")
    }
}
