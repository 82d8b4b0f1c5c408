/// A Swift type a result column decodes into from PostgreSQL's text format.
public protocol PGDecodable {
    init(pgText: String) throws(PGDecodingError.Reason)
}

/// A column that could not be decoded: which one, in which row, and why. Decoding never
/// turns NULL or bad text into a default value silently.
public struct PGDecodingError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Error, Sendable, Equatable {
        case null
        case unparsable(String)
        case noSuchColumn
    }

    public var column: String
    public var row: Int
    public var reason: Reason

    public init(column: String, row: Int, reason: Reason) {
        self.column = column
        self.row = row
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .null: return "column \(column) (row \(row)) is NULL where a value is required"
        case .unparsable(let type): return "column \(column) (row \(row)) does not hold a \(type)"
        case .noSuchColumn: return "the result has no column \(column)"
        }
    }
}

extension String: PGDecodable {
    public init(pgText: String) { self = pgText }
}

extension Bool: PGDecodable {
    public init(pgText: String) throws(PGDecodingError.Reason) {
        switch pgText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw .unparsable("boolean")
        }
    }
}

extension Double: PGDecodable {
    public init(pgText: String) throws(PGDecodingError.Reason) {
        guard let v = Double(pgText) else { throw .unparsable("number") }
        self = v
    }
}

/// Integers of every width decode with a range check (no truncation).
public protocol PGDecodableInteger: FixedWidthInteger, PGDecodable {}
extension PGDecodableInteger {
    public init(pgText: String) throws(PGDecodingError.Reason) {
        guard let v = Self(pgText, radix: 10) else { throw .unparsable("\(Self.self)") }
        self = v
    }
}
extension Int: PGDecodableInteger {}
extension Int16: PGDecodableInteger {}
extension Int32: PGDecodableInteger {}
extension Int64: PGDecodableInteger {}

/// One row of a ``PGResult``, read by column name.
public struct PGRow: Sendable {
    let result: PGResult
    public let index: Int

    /// The value of `column`; throws when it is NULL, unparsable or absent.
    public func decode<T: PGDecodable>(_ column: String, as type: T.Type = T.self) throws(PGDecodingError) -> T {
        guard let text = try optionalText(column) else { throw PGDecodingError(column: column, row: index, reason: .null) }
        do {
            return try T(pgText: text)
        } catch {
            throw PGDecodingError(column: column, row: index, reason: error)
        }
    }

    /// The value of `column`, or nil when it is NULL; throws when unparsable or absent.
    public func decodeIfPresent<T: PGDecodable>(_ column: String, as type: T.Type = T.self) throws(PGDecodingError) -> T? {
        guard let text = try optionalText(column) else { return nil }
        do {
            return try T(pgText: text)
        } catch {
            throw PGDecodingError(column: column, row: index, reason: error)
        }
    }

    private func optionalText(_ column: String) throws(PGDecodingError) -> String? {
        guard let c = result.column(named: column) else { throw PGDecodingError(column: column, row: index, reason: .noSuchColumn) }
        return result.value(index, c)
    }
}

extension PGResult {
    /// The rows, each read by column name with ``PGRow/decode(_:as:)``.
    public var rows: [PGRow] { (0..<rowCount).map { PGRow(result: self, index: $0) } }
}

/// A one-dimensional `text[]` (or any array) in PostgreSQL's text form, e.g.
/// `{a,"b c",NULL}`; NULL elements are dropped.
public struct PGTextArray: PGDecodable, Sendable, Equatable {
    public var values: [String]

    public init(pgText text: String) throws(PGDecodingError.Reason) {
        var values: [String] = []
        var chars = Array(text.unicodeScalars)
        guard chars.first == "{", chars.last == "}" else { throw .unparsable("array") }
        chars = Array(chars.dropFirst().dropLast())
        var i = 0
        while i < chars.count {
            var element = ""
            var quoted = false
            if chars[i] == "\"" {
                quoted = true
                i += 1
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    element.unicodeScalars.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw .unparsable("array") }
                i += 1
            } else {
                while i < chars.count, chars[i] != "," {
                    element.unicodeScalars.append(chars[i])
                    i += 1
                }
            }
            if quoted || element != "NULL" { values.append(element) }
            guard i >= chars.count || chars[i] == "," else { throw .unparsable("array") }
            i += 1
        }
        self.values = values
    }
}
