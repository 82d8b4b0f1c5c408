import CLibPQ

/// The rows and status of one statement, copied out of libpq's `PGresult`.
///
/// The C result is cleared as soon as it has been copied, so a `PGResult` is a plain value:
/// it can be kept, passed between threads, and outlives its connection. All values are in
/// PostgreSQL's text format; `nil` is SQL NULL.
public struct PGResult: Sendable {
    /// Number of rows returned (0 for commands that return none).
    public var rowCount: Int
    /// Column names in result order.
    public var columnNames: [String]
    /// Rows inserted, updated, deleted, copied, ... as reported in the command tag
    /// (`PQcmdTuples`); 0 when the command reports none.
    public var affectedRows: Int
    /// The command tag, e.g. "INSERT 0 3" or "SELECT 2".
    public var commandTag: String
    /// The statement's first non-empty line (at most 120 characters), named in decoding errors.
    public var statement: String?

    /// Row-major values; `rowCount * columnNames.count` entries.
    private var values: [String?]

    /// Copies everything out of `result`; the caller still owns and clears it.
    init(copying result: OpaquePointer, statement sql: String? = nil) {
        statement = sql.flatMap(Self.firstLine)
        let rows = Int(PQntuples(result))
        let columns = Int(PQnfields(result))
        rowCount = rows
        columnNames = (0..<columns).map { String(cString: PQfname(result, Int32($0))) }
        commandTag = String(cString: PQcmdStatus(result))
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
        var values: [String?] = []
        values.reserveCapacity(rows * columns)
        for row in 0..<Int32(rows) {
            for column in 0..<Int32(columns) {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
        }
        self.values = values
    }

    /// The value at `row`, `column` in text format, or nil for SQL NULL — and nil for a
    /// position outside the result (never a trap: a statement whose result has fewer rows or
    /// columns than its caller expects reads as NULL there). Use ``require(_:_:)`` or
    /// ``PGRow/decode(_:as:)`` where a missing value is an error.
    public func value(_ row: Int, _ column: Int) -> String? {
        guard contains(row, column) else { return nil }
        return values[row * columnNames.count + column]
    }

    /// The value at `row`, `column`; throws when it is NULL or the position is outside the result.
    public func require(_ row: Int, _ column: Int) throws(PGDecodingError) -> String {
        guard contains(row, column) else {
            let name = column >= 0 && column < columnNames.count ? columnNames[column] : "#\(column)"
            throw PGDecodingError(column: name, row: row, reason: row >= 0 && row < rowCount ? .noSuchColumn : .noRows,
                                  statement: statement)
        }
        guard let text = values[row * columnNames.count + column] else {
            throw PGDecodingError(column: columnNames[column], row: row, reason: .null, statement: statement)
        }
        return text
    }

    /// Whether `row`, `column` is a position of this result.
    public func contains(_ row: Int, _ column: Int) -> Bool {
        row >= 0 && row < rowCount && column >= 0 && column < columnNames.count
    }

    /// Same as ``value(_:_:)``: the text of a value, nil for NULL.
    public func string(_ row: Int, _ column: Int) -> String? {
        value(row, column)
    }

    /// The value parsed as an integer; nil for NULL or text that is not an integer.
    public func int(_ row: Int, _ column: Int) -> Int? {
        value(row, column).flatMap { Int($0) }
    }

    static func firstLine(_ sql: String) -> String? {
        guard let line = sql.split(whereSeparator: \.isNewline).lazy
            .map({ $0.drop(while: { $0 == " " }) }).first(where: { !$0.isEmpty }) else { return nil }
        return line.count > 120 ? String(line.prefix(119)) + "…" : String(line)
    }

    /// The index of the first column called `named`, if any.
    public func column(named: String) -> Int? {
        columnNames.firstIndex(of: named)
    }
}
