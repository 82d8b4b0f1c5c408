/// A Swift type a result column decodes into from PostgreSQL's text format.
public protocol PGDecodable {
    init(pgText: String) throws(PGDecodingError.Reason)
}

/// A column that could not be decoded: which one, in which row, of which statement, and why.
/// Decoding never turns NULL or bad text into a default value silently.
public struct PGDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Error, Sendable, Equatable {
        case null
        case unparsable(String)
        case noSuchColumn
        /// A statement that must return a row returned none.
        case noRows
    }

    public var column: String
    public var row: Int
    public var reason: Reason
    /// The statement's first line (``PGResult/statement``), when known.
    public var statement: String?

    public init(column: String, row: Int, reason: Reason, statement: String? = nil) {
        self.column = column
        self.row = row
        self.reason = reason
        self.statement = statement
    }

    public var description: String {
        let what = switch reason {
        case .null: "column \(column) (row \(row)) is NULL where a value is required"
        case .unparsable(let type): "column \(column) (row \(row)) does not hold a \(type)"
        case .noSuchColumn: "the result has no column \(column)"
        case .noRows: "no row where one is required (column \(column))"
        }
        return statement.map { "\(what), in: \($0)" } ?? what
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

/// A string-backed enum decodes from its raw value (opt in with `extension Level: PGDecodable {}`);
/// text that is no case is an error naming the type.
extension PGDecodable where Self: RawRepresentable, RawValue == String {
    public init(pgText: String) throws(PGDecodingError.Reason) {
        guard let value = Self(rawValue: pgText) else { throw .unparsable("\(Self.self)") }
        self = value
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

/// Bytes from a `bytea` column (hex form), like ``PGBytea``.
extension Array: PGDecodable where Element == UInt8 {
    public init(pgText text: String) throws(PGDecodingError.Reason) {
        self = try PGBytea(pgText: text).bytes
    }
}

/// One row of a ``PGResult``, read by column name, in the style of postgres-nio:
/// `try row.decode("n", as: Int64.self)`; a NULL where a value is required, text that is not
/// the type, or a column the statement does not return throws a ``PGDecodingError`` naming the
/// column, the row and the statement. Where NULL is legitimate, ``decodeIfPresent(_:as:)``
/// says so at the call site.
public struct PGRow: Sendable {
    let result: PGResult
    public let index: Int

    /// The value of `column`; throws when it is NULL, unparsable or absent.
    public func decode<T: PGDecodable>(_ column: String, as type: T.Type = T.self) throws(PGDecodingError) -> T {
        guard let value = try decodeIfPresent(column, as: type) else { throw error(column, .null) }
        return value
    }

    /// The value of `column`, or nil when it is NULL; throws when unparsable or absent.
    public func decodeIfPresent<T: PGDecodable>(_ column: String, as type: T.Type = T.self) throws(PGDecodingError) -> T? {
        guard let c = result.column(named: column) else { throw error(column, .noSuchColumn) }
        guard let text = result.value(index, c) else { return nil }
        do {
            return try T(pgText: text)
        } catch {
            throw self.error(column, error)
        }
    }

    /// The value of the column at `position`, for results whose columns are built at run time
    /// (aggregate tables, reconciliation); errors still name the column.
    public func decode<T: PGDecodable>(at position: Int, as type: T.Type = T.self) throws(PGDecodingError) -> T {
        guard let value = try decodeIfPresent(at: position, as: type) else { throw error(name(position), .null) }
        return value
    }

    /// The value of the column at `position`, or nil when it is NULL.
    public func decodeIfPresent<T: PGDecodable>(at position: Int, as type: T.Type = T.self) throws(PGDecodingError) -> T? {
        guard position >= 0, position < result.columnNames.count else { throw error(name(position), .noSuchColumn) }
        guard let text = result.value(index, position) else { return nil }
        do {
            return try T(pgText: text)
        } catch {
            throw self.error(name(position), error)
        }
    }

    private func name(_ position: Int) -> String {
        position >= 0 && position < result.columnNames.count ? result.columnNames[position] : "#\(position)"
    }

    /// The text of every column in order, NULL as nil (for generic output: CSV, tables).
    public var texts: [String?] { result.columnNames.indices.map { result.value(index, $0) } }

    private func error(_ column: String, _ reason: PGDecodingError.Reason) -> PGDecodingError {
        PGDecodingError(column: column, row: index, reason: reason, statement: result.statement)
    }
}

extension PGResult {
    /// The rows, each read by column name with ``PGRow/decode(_:as:)``.
    public var rows: [PGRow] { (0..<rowCount).map { PGRow(result: self, index: $0) } }

    /// The first row, for statements that must return one (an aggregate, `RETURNING`, a
    /// lookup by key); throws ``PGDecodingError`` with reason `.noRows` otherwise.
    public func firstRow() throws(PGDecodingError) -> PGRow {
        guard rowCount > 0 else {
            throw PGDecodingError(column: columnNames.first ?? "-", row: 0, reason: .noRows, statement: statement)
        }
        return PGRow(result: self, index: 0)
    }

    /// The only value of a one-row, one-column result (`SELECT count(*) …`); throws when the
    /// row is missing or the value NULL or unparsable.
    public func scalar<T: PGDecodable>(_ type: T.Type = T.self) throws(PGDecodingError) -> T {
        let row = try firstRow()
        return try row.decode(columnNames.first ?? "-", as: type)
    }
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
