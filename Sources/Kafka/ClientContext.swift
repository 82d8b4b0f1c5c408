import CRdKafka
import Synchronization

/// State shared between a Swift client object and librdkafka's callbacks.
///
/// librdkafka gets an unretained pointer to it as the client's opaque; the owning
/// ``KafkaClient`` keeps it alive until after `rd_kafka_destroy` returns, so callbacks
/// never see a dangling pointer. Callbacks may run on librdkafka's threads, hence the Mutexes.
final class ClientContext: Sendable {
    let logHandler: @Sendable (KafkaLogMessage) -> Void
    let rebalanceListener: (any KafkaRebalanceListener)?
    let connectivityHandler: (@Sendable (Bool) -> Void)?
    /// The first delivery failure since the producer last flushed.
    private let deliveryFailure = Mutex<KafkaError?>(nil)
    /// A failure inside the rebalance callback, rethrown by the next consumer call.
    private let rebalanceFailure = Mutex<KafkaError?>(nil)
    /// Since when the consumer has been waiting for an assignment (after subscribing or a
    /// revocation), in nanoseconds after `created`; 0 once the group has assigned it
    /// partitions (possibly none).
    private let awaitingAssignment = Atomic<Int64>(0)
    private let created = ContinuousClock.now

    init(logHandler: (@Sendable (KafkaLogMessage) -> Void)?, rebalanceListener: (any KafkaRebalanceListener)?,
         connectivityHandler: (@Sendable (Bool) -> Void)? = nil) {
        self.logHandler = logHandler ?? KafkaLogMessage.defaultHandler
        self.rebalanceListener = rebalanceListener
        self.connectivityHandler = connectivityHandler
    }

    static func from(_ opaque: UnsafeMutableRawPointer) -> ClientContext {
        Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    func recordDeliveryFailure(_ error: KafkaError) {
        deliveryFailure.withLock { if $0 == nil { $0 = error } }
    }

    func takeDeliveryFailure() -> KafkaError? {
        deliveryFailure.withLock { failure in
            defer { failure = nil }
            return failure
        }
    }

    func recordRebalanceFailure(_ error: KafkaError) {
        rebalanceFailure.withLock { if $0 == nil { $0 = error } }
    }

    func awaitAssignment() {
        let (seconds, attoseconds) = (ContinuousClock.now - created).components
        awaitingAssignment.store(max(1, seconds * 1_000_000_000 + attoseconds / 1_000_000_000), ordering: .relaxed)
    }

    func assignmentArrived() { awaitingAssignment.store(0, ordering: .relaxed) }

    var awaitingAssignmentSince: ContinuousClock.Instant? {
        let n = awaitingAssignment.load(ordering: .relaxed)
        return n == 0 ? nil : created + .nanoseconds(n)
    }

    func takeRebalanceFailure() -> KafkaError? {
        rebalanceFailure.withLock { failure in
            defer { failure = nil }
            return failure
        }
    }
}
