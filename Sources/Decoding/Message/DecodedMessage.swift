import HubCore

/// What one raw Kafka message value decodes to.
public enum DecodedMessage: Sendable, Hashable {
    /// The value fails a whole-value check and is quarantined as one unit: `.tooLarge` or
    /// `.malformed`. `detail` is a short reason for operators; it never quotes record content.
    case rejected(reason: QuarantineReason, detail: String)
    /// The value's records in order: an application/json value has exactly one, ndjson and CSV
    /// values any number (possibly none).
    case records([DecodedRecord])
}
