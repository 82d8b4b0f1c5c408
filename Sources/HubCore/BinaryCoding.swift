/// Errors reading the project's internal binary messages.
public struct WireFormatError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Appends the compact binary encoding used on internal topics: LEB128 varints (zig-zag for
/// signed values) and length-prefixed byte strings. No per-field tags: each message type
/// starts with a version byte and is read back in the order it was written.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func byte(_ v: UInt8) { bytes.append(v) }

    /// Forgets what was written, keeping the capacity.
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    public mutating func unsigned(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    public mutating func signed(_ v: Int64) {
        unsigned(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    /// Appends bytes as they are (no length prefix): an encoding made by another writer.
    public mutating func append(_ b: [UInt8]) {
        bytes.append(contentsOf: b)
    }

    public mutating func bytes<C: Collection>(_ b: C) where C.Element == UInt8 {
        unsigned(UInt64(b.count))
        bytes.append(contentsOf: b)
    }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { bytes($0) }
    }

    public mutating func optionalString(_ s: String?) {
        if let s { byte(1); string(s) } else { byte(0) }
    }

    public mutating func optionalSigned(_ v: Int64?) {
        if let v { byte(1); signed(v) } else { byte(0) }
    }
}

/// Reads what `BinaryWriter` wrote; every read checks bounds and throws on truncation.
public struct BinaryReader {
    private let buffer: [UInt8]
    private var index: Int

    public init(_ bytes: [UInt8]) {
        self.buffer = bytes
        self.index = 0
    }

    public var isAtEnd: Bool { index >= buffer.count }

    public mutating func byte() throws -> UInt8 {
        guard index < buffer.count else { throw WireFormatError("truncated message") }
        defer { index += 1 }
        return buffer[index]
    }

    public mutating func unsigned() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw WireFormatError("varint too long") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    public mutating func signed() throws -> Int64 {
        let u = try unsigned()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    public mutating func int32() throws -> Int32 {
        let v = try signed()
        guard let r = Int32(exactly: v) else { throw WireFormatError("value out of range") }
        return r
    }

    /// A length that fits in what is left of the message (a corrupt varint never traps).
    public mutating func length() throws -> Int {
        let u = try unsigned()
        guard u <= UInt64(buffer.count - index) else { throw WireFormatError("length beyond the end of the message") }
        return Int(u)
    }

    public mutating func byteString() throws -> [UInt8] {
        let n = try length()
        guard n <= buffer.count - index else { throw WireFormatError("truncated message") }
        defer { index += n }
        return Array(buffer[index..<index + n])
    }

    public mutating func string() throws -> String {
        let n = try length()
        guard n <= buffer.count - index else { throw WireFormatError("truncated message") }
        defer { index += n }
        return String(decoding: buffer[index..<index + n], as: UTF8.self)
    }

    /// The next string; `candidate` itself (nothing built) when the bytes are its UTF-8.
    public mutating func string(like candidate: String) throws -> String {
        let n = try length()
        guard n <= buffer.count - index else { throw WireFormatError("truncated message") }
        defer { index += n }
        let bytes = buffer[index..<index + n]
        return candidate.hasUTF8(bytes) ? candidate : String(decoding: bytes, as: UTF8.self)
    }

    public mutating func optionalString() throws -> String? {
        try byte() == 0 ? nil : try string()
    }

    public mutating func optionalSigned() throws -> Int64? {
        try byte() == 0 ? nil : try signed()
    }
}
