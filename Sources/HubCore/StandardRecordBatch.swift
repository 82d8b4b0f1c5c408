/// Many standard records in one internal message: what Transform produces to the `std.*`
/// topics, one message per destination partition and poll batch.
///
/// Layout: the version byte ``version`` (`0x80`), the record count (varint), then every record
/// as a length-prefixed ``StandardRecord`` encoding, in order. Single-record messages start
/// with their own version byte (1 or 2), so a reader tells the two apart by the first byte;
/// ``records(decodingMessage:)`` accepts both.
public struct StandardRecordBatch: Sendable, Hashable {
    /// The leading byte of a batch message; never a ``StandardRecord`` version.
    public static let version: UInt8 = 0x80
    /// The most records a producer puts in one message; consumers size their polls by it.
    public static let maxRecordsPerMessage = 2_000

    /// The records, in the order they were written.
    public var records: [StandardRecord]

    /// A batch of `records`.
    public init(records: [StandardRecord] = []) {
        self.records = records
    }

    /// The message bytes of this batch.
    public func encoded() -> [UInt8] {
        var builder = StandardRecordBatchBuilder()
        for record in records { builder.append(encodedRecord: record.encoded()) }
        return builder.encoded()
    }

    /// Reads a batch message. Throws ``WireFormatError`` on another version byte, a truncated
    /// message, a record that does not decode, or bytes after the last record.
    public init(decoding bytes: [UInt8]) throws {
        var reader = BinaryReader(bytes)
        guard try reader.byte() == Self.version else { throw WireFormatError("unknown standard-record-batch version") }
        let count = try reader.unsigned()
        // Every record takes at least its length prefix, so a larger count cannot be true.
        guard count <= UInt64(bytes.count) else { throw WireFormatError("record count beyond the end of the message") }
        var records: [StandardRecord] = []
        records.reserveCapacity(Int(count))
        for _ in 0..<count {
            records.append(try StandardRecord(decoding: try reader.byteString()))
        }
        guard reader.isAtEnd else { throw WireFormatError("bytes after the last record of a batch") }
        self.records = records
    }

    /// The records of one message on a `std.*` topic, whichever format it has: a batch, or a
    /// single ``StandardRecord`` (as produced before batching, e.g. still in flight during an
    /// upgrade). Throws ``WireFormatError`` when neither decodes.
    public static func records(decodingMessage bytes: [UInt8]) throws -> [StandardRecord] {
        guard let first = bytes.first else { throw WireFormatError("empty standard-zone message") }
        if first == version { return try StandardRecordBatch(decoding: bytes).records }
        return [try StandardRecord(decoding: bytes)]
    }
}

/// Builds one ``StandardRecordBatch`` message from records that are encoded once, and tells
/// its size as it grows, so that a producer can cut messages at a size or count limit.
public struct StandardRecordBatchBuilder: Sendable {
    /// The number of records appended so far.
    public private(set) var count = 0
    /// The length-prefixed records, as they follow the header.
    private var body: BinaryWriter

    /// An empty batch; `capacity` is the initial room reserved for the records, in bytes.
    public init(capacity: Int = 4096) {
        body = BinaryWriter(capacity: capacity)
    }

    /// No record appended yet.
    public var isEmpty: Bool { count == 0 }

    /// The size of ``encoded()`` now, in bytes.
    public var byteCount: Int { 1 + Self.varintSize(UInt64(count)) + body.bytes.count }

    /// The size of ``encoded()`` after appending one record of `recordByteCount` bytes.
    public func byteCount(afterAppending recordByteCount: Int) -> Int {
        1 + Self.varintSize(UInt64(count + 1)) + body.bytes.count
            + Self.varintSize(UInt64(recordByteCount)) + recordByteCount
    }

    /// Appends one record given as its ``StandardRecord/encoded()`` bytes.
    public mutating func append(encodedRecord: [UInt8]) {
        body.bytes(encodedRecord)
        count += 1
    }

    /// The message: version byte, count, records.
    public func encoded() -> [UInt8] {
        var header = BinaryWriter(capacity: 11)
        header.byte(StandardRecordBatch.version)
        header.unsigned(UInt64(count))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(header.bytes.count + body.bytes.count)
        bytes.append(contentsOf: header.bytes)
        bytes.append(contentsOf: body.bytes)
        return bytes
    }

    /// The number of bytes `BinaryWriter.unsigned` writes for `value`.
    private static func varintSize(_ value: UInt64) -> Int {
        var value = value
        var size = 1
        while value >= 0x80 {
            value >>= 7
            size += 1
        }
        return size
    }
}
