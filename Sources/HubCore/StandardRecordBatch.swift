/// Many standard records in one internal message: what Transform produces to the `std.*`
/// topics, one message per destination partition and poll batch.
///
/// Layout (version byte ``version``, `0x82`): the records' source topic (all records of a
/// stream share it), the names of the stream's per-record quality monitors in the order of
/// the bits of the records' quality masks (so a reader maps bits by name, never by position),
/// the record count (varint), then every record body (``StandardRecord/encodeBody(into:)``).
/// Earlier layouts stay readable: `0x81` (the same with record bodies of wire version 3, no
/// key generation), `0x80` (length-prefixed single-record encodings) and a lone
/// ``StandardRecord`` (its own version byte 1–4).
public struct StandardRecordBatch: Sendable, Hashable {
    /// The leading byte of a batch message; never a ``StandardRecord`` version.
    public static let version: UInt8 = 0x82
    /// Record bodies of wire version 3 (before key generations).
    static let version3Bodies: UInt8 = 0x81
    static let legacyVersion: UInt8 = 0x80
    /// The most records a producer puts in one message; consumers size their polls by it.
    public static let maxRecordsPerMessage = 2_000

    /// The records, in the order they were written.
    public var records: [StandardRecord]
    /// The quality monitor of each mask bit (bit i = `monitorNames[i]`); empty when the
    /// producer did not say (legacy messages: bits follow the topology's order).
    public var monitorNames: [String]

    public init(records: [StandardRecord] = [], monitorNames: [String] = []) {
        self.records = records
        self.monitorNames = monitorNames
    }

    /// The message bytes of this batch (records must share a source topic).
    public func encoded() -> [UInt8] {
        var builder = StandardRecordBatchBuilder(topic: records.first?.position.topic ?? "", monitorNames: monitorNames)
        for record in records { builder.append(record) }
        return builder.encoded()
    }

    /// Reads a batch message. Throws ``WireFormatError`` on another version byte, a truncated
    /// message, a record that does not decode, or bytes after the last record.
    public init(decoding bytes: [UInt8]) throws {
        var records: [StandardRecord] = []
        let names = try Self.decodeBatch(bytes, appendingTo: &records)
        self.init(records: records, monitorNames: names)
    }

    /// Decodes a batch message's records onto the end of `records`; returns its monitor names.
    /// On a failure `records` may hold some of the message's records: the caller removes them.
    private static func decodeBatch(_ bytes: [UInt8], appendingTo records: inout [StandardRecord]) throws -> [String] {
        var reader = BinaryReader(bytes)
        let v = try reader.byte()
        if v == Self.legacyVersion {
            let count = try reader.unsigned()
            guard count <= UInt64(bytes.count) else { throw WireFormatError("record count beyond the end of the message") }
            if records.isEmpty { records.reserveCapacity(Int(count)) }
            for _ in 0..<count { records.append(try StandardRecord(decoding: try reader.byteString())) }
            guard reader.isAtEnd else { throw WireFormatError("bytes after the last record of a batch") }
            return []
        }
        guard v == Self.version || v == Self.version3Bodies else { throw WireFormatError("unknown standard-record-batch version") }
        let bodyVersion: UInt8 = v == Self.version ? StandardRecord.version : 3
        let topic = try reader.string()
        let monitorCount = try reader.length()
        var names: [String] = []
        names.reserveCapacity(monitorCount)
        for _ in 0..<monitorCount { names.append(try reader.string()) }
        let count = try reader.unsigned()
        // Every record takes at least 40 bytes, so a larger count cannot be true.
        guard count <= UInt64(bytes.count / 40 + 1) else { throw WireFormatError("record count beyond the end of the message") }
        // Reserved only in an empty buffer: reserving in a filling one would grow it linearly.
        if records.isEmpty { records.reserveCapacity(Int(count)) }
        for _ in 0..<count { records.append(try StandardRecord(body: &reader, topic: topic, bodyVersion: bodyVersion)) }
        guard reader.isAtEnd else { throw WireFormatError("bytes after the last record of a batch") }
        return names
    }

    /// The records of one message on a `std.*` topic, whichever format it has: a batch, or a
    /// single ``StandardRecord``. Throws ``WireFormatError`` when neither decodes.
    public static func decodeMessage(_ bytes: [UInt8]) throws -> StandardRecordBatch {
        guard let first = bytes.first else { throw WireFormatError("empty standard-zone message") }
        if first == version || first == version3Bodies || first == legacyVersion { return try StandardRecordBatch(decoding: bytes) }
        return StandardRecordBatch(records: [try StandardRecord(decoding: bytes)])
    }

    /// Decodes one message like ``decodeMessage(_:)``, but onto the end of `records` (so a
    /// consumer filling one buffer message after message copies no record twice and touches
    /// no fresh memory once the buffer has grown); returns the message's monitor names. On a
    /// failure `records` is as it was.
    public static func decodeMessage(_ bytes: [UInt8], appendingTo records: inout [StandardRecord]) throws -> [String] {
        guard let first = bytes.first else { throw WireFormatError("empty standard-zone message") }
        let start = records.count
        do {
            if first == version || first == version3Bodies || first == legacyVersion {
                return try decodeBatch(bytes, appendingTo: &records)
            }
            records.append(try StandardRecord(decoding: bytes))
            return []
        } catch {
            records.removeSubrange(start...)
            throw error
        }
    }

    /// The records of one message (see ``decodeMessage(_:)``).
    public static func records(decodingMessage bytes: [UInt8]) throws -> [StandardRecord] {
        try decodeMessage(bytes).records
    }
}

/// Builds one ``StandardRecordBatch`` message from records encoded as they are appended, and
/// tells its size as it grows, so that a producer can cut messages at a size or count limit.
public struct StandardRecordBatchBuilder: Sendable {
    /// The number of records appended so far.
    public private(set) var count = 0
    private let header: [UInt8]
    private var body: BinaryWriter

    /// An empty batch of records from `topic` whose mask bits name `monitorNames`;
    /// `capacity` is the initial room reserved for the records, in bytes.
    public init(topic: String, monitorNames: [String], capacity: Int = 4096) {
        var h = BinaryWriter(capacity: 64)
        h.byte(StandardRecordBatch.version)
        h.string(topic)
        h.unsigned(UInt64(monitorNames.count))
        for n in monitorNames { h.string(n) }
        header = h.bytes
        body = BinaryWriter(capacity: capacity)
    }

    /// No record appended yet.
    public var isEmpty: Bool { count == 0 }

    /// The size of ``encoded()`` now, in bytes.
    public var byteCount: Int { header.count + Self.varintSize(UInt64(count)) + body.bytes.count }

    /// Appends one record; returns the size of ``encoded()`` afterwards.
    @discardableResult
    public mutating func append(_ record: StandardRecord) -> Int {
        record.encodeBody(into: &body)
        count += 1
        return byteCount
    }

    /// Starts over with no records (keeping the buffer's capacity).
    public mutating func removeAll() {
        body.removeAll()
        count = 0
    }

    /// The message: header, count, records.
    public func encoded() -> [UInt8] {
        var countBytes = BinaryWriter(capacity: 10)
        countBytes.unsigned(UInt64(count))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(header.count + countBytes.bytes.count + body.bytes.count)
        bytes.append(contentsOf: header)
        bytes.append(contentsOf: countBytes.bytes)
        bytes.append(contentsOf: body.bytes)
        return bytes
    }

    /// The number of bytes `BinaryWriter.unsigned` writes for `value`.
    static func varintSize(_ value: UInt64) -> Int {
        var value = value
        var size = 1
        while value >= 0x80 {
            value >>= 7
            size += 1
        }
        return size
    }
}
