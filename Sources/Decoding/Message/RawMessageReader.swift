import HubCore

/// Reads one raw Kafka message into what goes on: its records, with the raw message's position
/// and timestamp, and the units quarantined on the way (SPEC §4). The one place that decides
/// what a raw message gives, whichever worker reads it: Ingest (which forwards the records on
/// `hub.ingested`) and Transform reading the raw topics itself (`--input raw`) quarantine the
/// same units for the same bytes.
///
/// Besides ``MessageDecoding``'s whole-value and record checks, a record whose own ingested
/// message would exceed the internal message limit is quarantined `too_large`: Ingest cannot
/// forward it, so a Transform that needs no forwarding refuses it too, and a deployment's
/// results do not depend on which worker decoded.
public struct RawMessageReader: Sendable {
    /// What one raw message gave.
    public struct Contents: Sendable {
        /// The records to standardise, in order (possibly none).
        public var message: IngestedMessage
        /// The quarantined units, whole-value or per record, each fitted to the internal limit.
        public var quarantined: [QuarantineUnit]
        /// How many of ``quarantined`` are records over the internal message limit: the last ones.
        public var oversized: Int

        /// The units of records over the internal message limit (isolated poison).
        public var oversizedUnits: ArraySlice<QuarantineUnit> { quarantined.suffix(oversized) }
    }

    public let limits: DecodingLimits
    /// The largest internal message, in bytes (message.max.bytes less the framing reserve).
    public let internalLimit: Int
    /// Where ``internalLimit`` comes from, named in a `too_large` unit's detail (e.g.
    /// "message.max.bytes less 65536"), so an operator knows which setting to look at.
    public let internalLimitOrigin: String?

    public init(limits: DecodingLimits, internalLimit: Int, internalLimitOrigin: String? = nil) {
        self.limits = limits
        self.internalLimit = internalLimit
        self.internalLimitOrigin = internalLimitOrigin
    }

    /// Decodes `value` (with its `headers`), read at `source` (row 0) with the Kafka
    /// timestamp `timestampMs`, for a stream of `recordType` (nil when no stream reads the
    /// topic: its units are still quarantined, with no record type).
    public func read(value: [UInt8]?, headers: [(name: String, value: [UInt8]?)], source: SourcePosition,
                     timestampMs: Int64, recordType: RecordType?) -> Contents {
        var out = Contents(message: IngestedMessage(source: source, timestampMs: timestampMs, records: []),
                           quarantined: [], oversized: 0)
        func quarantine(_ reason: QuarantineReason, row: Int32, detail: String, raw: [UInt8]) {
            var position = source
            position.row = row
            out.quarantined.append(QuarantineUnit(
                position: position, timestampMs: timestampMs, recordType: recordType, reason: reason, field: nil,
                detail: detail, schoolCode: nil, raw: raw, record: nil).fitted(to: internalLimit))
        }
        switch MessageDecoding.decode(value: value, headers: headers, limits: limits) {
        case .rejected(let reason, let detail):
            quarantine(reason, row: 0, detail: detail, raw: value ?? [])
        case .records(let records):
            out.message.records.reserveCapacity(records.count)
            for r in records {
                switch r {
                case .record(let record): out.message.records.append(record)
                case .malformed(let row, let detail, let text): quarantine(.malformed, row: row, detail: detail, raw: text)
                }
            }
            let oversized = out.message.oversizedRecords(limit: internalLimit)
            var removed: [RawRecord] = []
            for (index, _) in oversized.reversed() { removed.append(out.message.records.remove(at: index)) }
            for ((_, bytes), record) in zip(oversized, removed.reversed()) {
                quarantine(.tooLarge, row: record.row, detail: "record of \(record.text.count) bytes encodes to \(bytes) bytes, "
                    + "over the internal message limit of \(internalLimit) bytes" + (internalLimitOrigin.map { " (\($0))" } ?? ""),
                    raw: Array(record.text))
            }
            out.oversized = oversized.count
        }
        return out
    }
}
