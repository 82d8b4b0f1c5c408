/// How much one batch takes from the broker: at most ``maxMessages`` messages and, for stages
/// whose messages carry many records, about ``maxRecords`` records, so the records in flight
/// (and the worker's memory) stay bounded however large the messages are.
public struct PollBudget: Sendable {
    /// The most messages in one batch.
    public var maxMessages: Int
    /// The records a batch fills up to; nil: a batch is what one poll returns.
    public var maxRecords: Int?
    /// Messages to take in one poll, given room for this many more records.
    public var chunk: @Sendable (_ roomForRecords: Int) -> Int

    /// One poll of up to `messages` messages per batch (a message holds one unit of input).
    public static func onePoll(messages: Int) -> PollBudget {
        PollBudget(maxMessages: messages, maxRecords: nil, chunk: { _ in messages })
    }

    /// Polls of `chunk(room)` messages until the batch holds `messages` messages or `records`
    /// records, or nothing more is fetched already.
    public static func chunked(messages: Int, records: Int, chunk: @escaping @Sendable (_ roomForRecords: Int) -> Int) -> PollBudget {
        PollBudget(maxMessages: messages, maxRecords: records, chunk: chunk)
    }

    /// The size of a batch's first poll (which waits for messages).
    var firstChunk: Int { maxRecords.map(chunk) ?? maxMessages }

    /// The size of the next poll of a batch that holds `polled` messages and `records`
    /// records; nil when the batch is full.
    func nextChunk(polled: Int, records: Int) -> Int? {
        guard let maxRecords, polled < maxMessages, records < maxRecords else { return nil }
        return min(chunk(maxRecords - records), maxMessages - polled)
    }
}
