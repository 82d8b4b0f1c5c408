/// A unit that could not be standardised (SPEC §4): a whole raw message value, or one record
/// of it. Travels on the operator-only dead-letter topic and ends in the quarantine tables;
/// it is the only place where raw bytes (and so personal data) are kept.
public struct QuarantineUnit: Sendable, Hashable {
    /// Identifies the unit: one quarantined unit per distinct position.
    public var position: SourcePosition
    public var timestampMs: Int64
    public var recordType: RecordType?
    public var reason: QuarantineReason
    /// The field concerned, as named in the raw record (nil for whole-value reasons).
    public var field: String?
    /// A short explanation without record content, e.g. `gender code "7" not in table`.
    /// Never includes names or ID numbers.
    public var detail: String
    /// The school code, when the record carried one (for replays by school).
    public var schoolCode: String?
    /// The original bytes of the unit: the whole value, or the record's own text.
    public var raw: [UInt8]
    /// The parsed record, when the unit is a record that parsed (so a replay can re-run it).
    public var record: RawRecord?

    public init(position: SourcePosition, timestampMs: Int64, recordType: RecordType?, reason: QuarantineReason,
                field: String?, detail: String, schoolCode: String?, raw: [UInt8], record: RawRecord?) {
        self.position = position
        self.timestampMs = timestampMs
        self.recordType = recordType
        self.reason = reason
        self.field = field
        self.detail = detail
        self.schoolCode = schoolCode
        self.raw = raw
        self.record = record
    }

    static let version: UInt8 = 1

    /// The dead-letter topic's message key: the position, so one unit is one key.
    public var key: [UInt8] { Array(position.description.utf8) }

    public func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 96 + raw.count * 2)
        w.byte(Self.version)
        w.string(position.topic)
        w.signed(Int64(position.partition))
        w.signed(position.offset)
        w.signed(Int64(position.row))
        w.signed(timestampMs)
        w.optionalString(recordType?.rawValue)
        w.string(reason.rawValue)
        w.optionalString(field)
        w.string(detail)
        w.optionalString(schoolCode)
        w.bytes(raw)
        if let record { w.byte(1); record.encode(into: &w) } else { w.byte(0) }
        return w.bytes
    }

    /// This unit as it can travel in a message of at most `maxBytes` bytes: unchanged when it
    /// fits; otherwise first without its parsed record, then with its raw bytes cut to what
    /// fits. The detail says what was left out, so an operator knows to look in the raw zone,
    /// which keeps every raw message whole. Position, reason and field are always kept.
    public func fitted(to maxBytes: Int) -> QuarantineUnit {
        let bound = 128 + position.topic.utf8.count + detail.utf8.count + (field?.utf8.count ?? 0)
            + (schoolCode?.utf8.count ?? 0) + raw.count + (record?.encodedSizeBound ?? 0)
        guard bound > maxBytes, encoded().count > maxBytes else { return self }
        var out = self
        if record != nil {
            out.record = nil
            out.detail += "; parsed record not kept (over the internal message limit of \(maxBytes) bytes)"
            if out.encoded().count <= maxBytes { return out }
        }
        let originalCount = raw.count
        out.detail += "; raw bytes cut to the first "
        let note = " of \(originalCount) (over the internal message limit of \(maxBytes) bytes; the raw zone keeps the whole message)"
        // Everything but the raw bytes, with room for the kept count and the varints' growth.
        var probe = out
        probe.raw = []
        probe.detail += String(originalCount) + note
        let overhead = probe.encoded().count + 32
        let kept = max(0, min(originalCount, maxBytes - overhead))
        out.raw = Array(raw.prefix(kept))
        out.detail += String(kept) + note
        return out
    }

    public init(decoding bytes: [UInt8]) throws {
        var r = BinaryReader(bytes)
        guard try r.byte() == Self.version else { throw WireFormatError("unknown quarantine-unit version") }
        let topic = try r.string()
        let partition = try r.int32()
        let offset = try r.signed()
        let row = try r.int32()
        position = SourcePosition(topic: topic, partition: partition, offset: offset, row: row)
        timestampMs = try r.signed()
        recordType = try r.optionalString().flatMap(RecordType.init(rawValue:))
        guard let reason = QuarantineReason(rawValue: try r.string()) else { throw WireFormatError("unknown reason") }
        self.reason = reason
        field = try r.optionalString()
        detail = try r.string()
        schoolCode = try r.optionalString()
        raw = try r.byteString()
        record = try r.byte() == 1 ? try RawRecord(from: &r) : nil
    }
}
