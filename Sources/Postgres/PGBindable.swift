/// A Swift value bound to a `$n` parameter, encoded by its type, so call sites pass values
/// (`Int32`, `Int64`, `Bool`, `PGBytea`, …) instead of formatting strings themselves.
/// Parameters travel in PostgreSQL's text format; `nil` (an absent optional) is SQL NULL.
public protocol PGBindable: Sendable {
    /// The parameter's text form, or nil for NULL.
    var pgText: String? { get }
}

extension String: PGBindable { public var pgText: String? { self } }
extension Int: PGBindable { public var pgText: String? { String(self) } }
extension Int16: PGBindable { public var pgText: String? { String(self) } }
extension Int32: PGBindable { public var pgText: String? { String(self) } }
extension Int64: PGBindable { public var pgText: String? { String(self) } }
extension UInt64: PGBindable { public var pgText: String? { String(self) } }
extension Double: PGBindable { public var pgText: String? { String(self) } }
extension Bool: PGBindable { public var pgText: String? { self ? "t" : "f" } }
extension Optional: PGBindable where Wrapped: PGBindable {
    public var pgText: String? { self?.pgText }
}

/// `bytea` bytes, bound and decoded in hex form (`\x0a1b…`).
public struct PGBytea: PGBindable, PGDecodable, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var pgText: String? {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init(pgText text: String) throws(PGDecodingError.Reason) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8.count % 2 == 0, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x") else {
            throw .unparsable("bytea in hex form")
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i + 1 < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { throw .unparsable("bytea in hex form") }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self.bytes = bytes
    }
}

/// A one-dimensional array parameter (`= ANY($1::bigint[])`, `unnest($1::text[], …)`).
public struct PGArray: PGBindable {
    public let pgText: String?

    /// Integers.
    public static func integers<I: BinaryInteger>(_ values: [I]) -> PGArray { PGArray(pgText: PGArrayLiteral.integers(values)) }
    /// Any text (quoted and escaped).
    public static func text(_ values: [String]) -> PGArray { PGArray(pgText: PGArrayLiteral.text(values)) }
    /// Byte strings as `bytea[]`.
    public static func bytea(_ values: [[UInt8]]) -> PGArray {
        PGArray(pgText: PGArrayLiteral.text(values.map { PGBytea($0).pgText ?? "" }))
    }
}

extension PGConnection {
    /// Runs one statement with typed parameters bound to `$1, $2, …` in order.
    @discardableResult
    public func query(_ sql: String, bind values: any PGBindable...) throws -> PGResult {
        try query(sql, values.map(\.pgText))
    }

    /// Runs one statement with typed parameters bound to `$1, $2, …` in order, for parameter
    /// lists built at run time.
    @discardableResult
    public func query(_ sql: String, binds values: [any PGBindable]) throws -> PGResult {
        try query(sql, values.map(\.pgText))
    }
}
