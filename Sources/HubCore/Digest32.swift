import Crypto

/// A 32-byte digest held inline: a person code (HMAC of an ID number), a pseudonym, or an
/// attendance entity key (SHA-256 of school, day, grade and class). Keys of the standard zone
/// are digests, so they are uniformly distributed: their first bytes serve directly as hash,
/// partition and index key, and comparing or hashing one never allocates.
public struct Digest32: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The bytes, big-endian in four words (word 0 holds bytes 0–7).
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// The digest of exactly 32 bytes; nil for any other length. Inlinable so that callers in
    /// other modules get it specialised for their collection (the sink decodes a key per
    /// probed row and per key loaded into its filters: unspecialised, through the generic
    /// iterator, this was a quarter of the sink's commit time in `hubctl bench`).
    @inlinable
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        if let digest = bytes.withContiguousStorageIfAvailable({ Digest32(contiguous: UnsafeRawBufferPointer($0)) }) {
            guard let digest else { return nil }
            self = digest
            return
        }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var i = 0
        for b in bytes {
            switch i >> 3 {
            case 0: words.0 = words.0 << 8 | UInt64(b)
            case 1: words.1 = words.1 << 8 | UInt64(b)
            case 2: words.2 = words.2 << 8 | UInt64(b)
            default: words.3 = words.3 << 8 | UInt64(b)
            }
            i += 1
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// The digest of a buffer of exactly 32 bytes (four big-endian words); nil otherwise.
    @inlinable
    init?(contiguous raw: UnsafeRawBufferPointer) {
        guard raw.count == 32 else { return nil }
        self.init(w0: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                  w1: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  w2: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                  w3: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// The digest written as 64 hexadecimal digits (either case); nil otherwise.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            guard let hi = Self.nibble(utf8[2 * i]), let lo = Self.nibble(utf8[2 * i + 1]) else { return nil }
            bytes[i] = hi << 4 | lo
        }
        self.init(bytes: bytes)
    }

    /// The SHA-256 of `bytes`.
    public static func sha256<C: Collection>(_ bytes: C) -> Digest32 where C.Element == UInt8 {
        var hasher = SHA256()
        if let done: Void = bytes.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            _ = done
        } else {
            hasher.update(data: Array(bytes))
        }
        return Digest32(digest: hasher.finalize())
    }

    /// The digest's 32 bytes, in order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for w in [w0, w1, w2, w3] {
            withUnsafeBytes(of: w.bigEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Lower-case hexadecimal, 64 digits: how person codes are shown to people and in SQL views.
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for w in [w0, w1, w2, w3] {
            var shift: UInt64 = 60
            while true {
                out.append(digits[Int((w >> shift) & 0xF)])
                if shift == 0 { break }
                shift -= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    /// The first 8 bytes as a signed integer: the key hash stored and indexed beside the key.
    public var prefix64: Int64 { Int64(bitPattern: w0) }

    /// The partition of a topic with `count` partitions that holds this key's records: the
    /// first 4 bytes (big-endian) modulo the count. Computable in SQL too (migrations).
    public func partition(of count: Int32) -> Int32 {
        guard count > 0 else { return 0 }
        return Int32(truncatingIfNeeded: UInt32(truncatingIfNeeded: w0 >> 32) % UInt32(truncatingIfNeeded: count))
    }

    public static func < (a: Digest32, b: Digest32) -> Bool {
        (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
    }

    init<D: Sequence>(digest: D) where D.Element == UInt8 {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var i = 0
        for b in digest where i < 32 {
            switch i >> 3 {
            case 0: words.0 = words.0 << 8 | UInt64(b)
            case 1: words.1 = words.1 << 8 | UInt64(b)
            case 2: words.2 = words.2 << 8 | UInt64(b)
            default: words.3 = words.3 << 8 | UInt64(b)
            }
            i += 1
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

extension BinaryWriter {
    /// 32 bytes, no length prefix.
    public mutating func digest(_ d: Digest32) {
        for w in [d.w0, d.w1, d.w2, d.w3] { word(w) }
    }

    mutating func word(_ w: UInt64) {
        var w = w.bigEndian
        withUnsafeBytes(of: &w) { for b in $0 { byte(b) } }
    }
}

extension BinaryReader {
    /// 32 bytes written by ``BinaryWriter/digest(_:)``.
    public mutating func digest() throws -> Digest32 {
        Digest32(w0: try word(), w1: try word(), w2: try word(), w3: try word())
    }

    mutating func word() throws -> UInt64 {
        var w: UInt64 = 0
        for _ in 0..<8 { w = w << 8 | UInt64(try byte()) }
        return w
    }
}
