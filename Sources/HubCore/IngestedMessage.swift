/// What Ingest hands to Transform for one raw Kafka message: its position and timestamp, and
/// the records it split the value into (records that could not even be parsed went to the
/// quarantine instead). Travels on the internal `hub.ingested` topic, usually with the other
/// raw messages of its partition and batch in an ``IngestedBundle``, so Transform works on
/// batches and keeps each record's source position.
public struct IngestedMessage: Sendable, Hashable {
    /// Topic, partition and offset of the raw message (row 0).
    public var source: SourcePosition
    /// The raw message's Kafka timestamp: the registry is read as of this instant (SPEC §1).
    public var timestampMs: Int64
    /// Set by a quarantine replay: read the registry as of this instant instead.
    public var registryAsOfMs: Int64?
    public var records: [RawRecord]

    public init(source: SourcePosition, timestampMs: Int64, registryAsOfMs: Int64? = nil, records: [RawRecord]) {
        self.source = source
        self.timestampMs = timestampMs
        self.registryAsOfMs = registryAsOfMs
        self.records = records
    }

    static let version: UInt8 = 1

    public func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 64 + records.reduce(0) { $0 + $1.text.count * 2 })
        encodeHeader(into: &w)
        w.unsigned(UInt64(records.count))
        for r in records { r.encode(into: &w) }
        return w.bytes
    }

    private func encodeHeader(into w: inout BinaryWriter) {
        w.byte(Self.version)
        w.string(source.topic)
        w.signed(Int64(source.partition))
        w.signed(source.offset)
        w.signed(timestampMs)
        w.optionalSigned(registryAsOfMs)
    }

    /// This message's records as one or more encoded messages (same source, timestamp and
    /// registry instant; records whole, in order, each keeping its row), so that no message
    /// is longer than `limit` bytes: records are packed while a message stays within `target`,
    /// and a record that alone exceeds `target` travels alone. Almost every raw message gives
    /// one message. `records` counts each part's records. A record whose own message would
    /// exceed `limit` is returned in `oversized` with that size, for the caller to quarantine.
    public func encodedParts(target: Int, limit: Int) -> (parts: [[UInt8]], records: [Int], oversized: [(record: RawRecord, bytes: Int)]) {
        let (header, framing, bound) = sizing()
        // Most messages stop here.
        if bound <= min(target, limit) { return ([encoded()], [records.count], []) }

        var parts: [[UInt8]] = []
        var counts: [Int] = []
        var oversized: [(record: RawRecord, bytes: Int)] = []
        var body: [UInt8] = []
        var count = 0
        func close() {
            guard count > 0 else { return }
            var w = BinaryWriter(capacity: header.bytes.count + 10 + body.count)
            w.append(header.bytes)
            w.unsigned(UInt64(count))
            w.append(body)
            parts.append(w.bytes)
            counts.append(count)
            body.removeAll(keepingCapacity: true)
            count = 0
        }
        for r in records {
            var w = BinaryWriter(capacity: r.encodedSizeBound)
            r.encode(into: &w)
            let size = w.bytes.count
            if framing + size > limit {
                oversized.append((r, framing + size))
                continue
            }
            if count > 0 && framing + body.count + size > target { close() }
            body.append(contentsOf: w.bytes)
            count += 1
        }
        close()
        return (parts, counts, oversized)
    }

    /// The records (by index, ascending) whose own message would exceed `limit` bytes — those
    /// ``encodedParts(target:limit:)`` returns as oversized — with that size. Encodes only
    /// records whose size bound is over the limit; almost every message has none.
    public func oversizedRecords(limit: Int) -> [(index: Int, bytes: Int)] {
        let (_, framing, bound) = sizing()
        if bound <= limit { return [] }
        var out: [(index: Int, bytes: Int)] = []
        for (i, r) in records.enumerated() where framing + r.encodedSizeBound > limit {
            var w = BinaryWriter(capacity: r.encodedSizeBound)
            r.encode(into: &w)
            if framing + w.bytes.count > limit { out.append((i, framing + w.bytes.count)) }
        }
        return out
    }

    /// The encoded header; the bytes a one-part message adds to its records' encodings (the
    /// header and the record count at its longest); and an upper bound of the whole encoding
    /// (varints counted at their longest), found without encoding the records.
    private func sizing() -> (header: BinaryWriter, framing: Int, bound: Int) {
        var header = BinaryWriter(capacity: 64 + source.topic.utf8.count)
        encodeHeader(into: &header)
        let framing = header.bytes.count + 10
        var bound = framing
        for r in records { bound += r.encodedSizeBound }
        return (header, framing, bound)
    }

    public init(decoding bytes: [UInt8]) throws {
        var r = BinaryReader(bytes)
        guard try r.byte() == Self.version else { throw WireFormatError("unknown ingested-message version") }
        let topic = try r.string()
        let partition = try r.int32()
        let offset = try r.signed()
        source = SourcePosition(topic: topic, partition: partition, offset: offset, row: 0)
        timestampMs = try r.signed()
        registryAsOfMs = try r.optionalSigned()
        let n = try r.length()
        records = []
        records.reserveCapacity(n)
        for _ in 0..<n { records.append(try RawRecord(from: &r, namesLike: records.last?.fields ?? [])) }
    }
}

extension RawRecord {
    /// At least the length of this record's encoding (varints counted at their longest).
    var encodedSizeBound: Int {
        var n = 30 + text.count
        for f in fields {
            n += 21 + f.name.utf8.count
            switch f.value {
            case .string(let s), .integer(let s), .number(let s), .composite(let s): n += s.utf8.count
            case .null, .bool: break
            }
        }
        return n
    }

    public func encode(into w: inout BinaryWriter) {
        w.signed(Int64(row))
        w.bytes(text)
        w.unsigned(UInt64(fields.count))
        for f in fields {
            w.string(f.name)
            switch f.value {
            case .null: w.byte(0)
            case .string(let s): w.byte(1); w.string(s)
            case .integer(let s): w.byte(2); w.string(s)
            case .number(let s): w.byte(3); w.string(s)
            case .bool(let b): w.byte(b ? 5 : 4)
            case .composite(let s): w.byte(6); w.string(s)
            }
        }
    }

    /// Decodes a record. `previous` is the record before it in the message: records of one
    /// message usually repeat its field names, and a name equal to the one at the same place
    /// there is taken from it rather than built again.
    public init(from r: inout BinaryReader, namesLike previous: [RawField] = []) throws {
        let row = try r.int32()
        let text = try r.byteString()
        let n = try r.length()
        var fields: [RawField] = []
        fields.reserveCapacity(min(n, 256))
        for i in 0..<n {
            let name = i < previous.count ? try r.string(like: previous[i].name) : try r.string()
            let value: RawValue
            switch try r.byte() {
            case 0: value = .null
            case 1: value = .string(try r.string())
            case 2: value = .integer(try r.string())
            case 3: value = .number(try r.string())
            case 4: value = .bool(false)
            case 5: value = .bool(true)
            case 6: value = .composite(try r.string())
            default: throw WireFormatError("unknown raw value kind")
            }
            fields.append(RawField(name: name, value: value))
        }
        self.init(row: row, fields: fields, text: text)
    }
}

/// Several encoded ``IngestedMessage``s in one `hub.ingested` message, so that a partition's
/// small raw messages (a dozen records each is common) cost the producer, the broker and the
/// transform one message per few hundred kilobytes rather than one each. Version 2: a count,
/// then each message's encoding (version 1) as a length-prefixed byte string; nothing after.
/// A version-1 value is one message on its own, as before; transform reads both.
public enum IngestedBundle {
    static let version: UInt8 = 2

    /// The bytes a bundle adds around its messages, at most: the version and the count.
    public static let framingBytes = 11

    /// What `message` adds to a bundle, at most: its length prefix and its bytes.
    public static func size(of message: [UInt8]) -> Int { message.count + 10 }

    /// One value holding `messages` (each an ``IngestedMessage/encoded()`` part), in order.
    public static func encode(_ messages: [[UInt8]]) -> [UInt8] {
        var w = BinaryWriter(capacity: framingBytes + messages.reduce(0) { $0 + size(of: $1) })
        w.byte(version)
        w.unsigned(UInt64(messages.count))
        for m in messages { w.bytes(m) }
        return w.bytes
    }

    /// The ingested messages a `hub.ingested` value holds: one (version 1) or a bundle's
    /// (version 2), in order. Throws ``WireFormatError`` for anything else, a bundle inside a
    /// bundle and bytes after a bundle's last message included.
    public static func messages(decoding bytes: [UInt8]) throws -> [IngestedMessage] {
        guard bytes.first == version else { return [try IngestedMessage(decoding: bytes)] }
        var r = BinaryReader(bytes)
        _ = try r.byte()
        let n = try r.length()
        var messages: [IngestedMessage] = []
        messages.reserveCapacity(n)
        for _ in 0..<n { messages.append(try IngestedMessage(decoding: try r.byteString())) }
        guard r.isAtEnd else { throw WireFormatError("bytes after the last message of an ingested bundle") }
        return messages
    }
}
