import CLibPQ

/// The rows of one statement in PostgreSQL's binary format, copied out of libpq.
///
/// For hot paths that read many integer and `bytea` values (the sink's state probe): no
/// text parsing, no String per value. Values are read by column index, which callers look up
/// once by name with ``column(_:)``; a read of the wrong width or a NULL where a value is
/// required throws a ``PGDecodingError`` that names the column.
public struct PGBinaryResult: Sendable {
    public let rowCount: Int
    public let columnNames: [String]
    /// All cell bytes, row-major.
    private let storage: [UInt8]
    /// Per cell: start in `storage` and length, or length -1 for NULL.
    private let cells: [(start: Int32, length: Int32)]

    init(copying result: OpaquePointer) {
        let rows = Int(PQntuples(result))
        let columns = Int(PQnfields(result))
        rowCount = rows
        columnNames = (0..<columns).map { String(cString: PQfname(result, Int32($0))) }
        var storage: [UInt8] = []
        // Labelled like the stored property: an array of unlabelled tuples is converted to it
        // element by element through a dynamic cast (measured: 6 % of the sink's commit).
        var cells: [(start: Int32, length: Int32)] = []
        cells.reserveCapacity(rows * columns)
        for row in 0..<Int32(rows) {
            for column in 0..<Int32(columns) {
                if PQgetisnull(result, row, column) != 0 {
                    cells.append((start: 0, length: -1))
                    continue
                }
                let length = Int(PQgetlength(result, row, column))
                let start = Int32(truncatingIfNeeded: storage.count)
                if let value = PQgetvalue(result, row, column), length > 0 {
                    value.withMemoryRebound(to: UInt8.self, capacity: length) {
                        storage.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                    }
                }
                cells.append((start: start, length: Int32(truncatingIfNeeded: length)))
            }
        }
        self.storage = storage
        self.cells = cells
    }

    /// The index of the column called `name`.
    public func column(_ name: String) throws(PGDecodingError) -> Int {
        guard let i = columnNames.firstIndex(of: name) else { throw PGDecodingError(column: name, row: 0, reason: .noSuchColumn) }
        return i
    }

    /// The raw bytes of a cell, or nil for NULL.
    public func bytes(_ row: Int, _ column: Int) -> ArraySlice<UInt8>? {
        guard row >= 0, row < rowCount, column >= 0, column < columnNames.count else { return nil }
        let cell = cells[row * columnNames.count + column]
        guard cell.length >= 0 else { return nil }
        return storage[Int(cell.start)..<Int(cell.start) + Int(cell.length)]
    }

    /// An `int8`/`int4`/`int2` cell (by its width), or nil for NULL.
    public func integer(_ row: Int, _ column: Int) throws(PGDecodingError) -> Int64? {
        guard let b = bytes(row, column) else { return nil }
        var v: UInt64 = 0
        for byte in b { v = v << 8 | UInt64(byte) }
        switch b.count {
        case 8: return Int64(bitPattern: v)
        case 4: return Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: v)))
        case 2: return Int64(Int16(bitPattern: UInt16(truncatingIfNeeded: v)))
        default: throw PGDecodingError(column: columnNames[column], row: row, reason: .unparsable("integer"))
        }
    }

    /// An integer cell that must not be NULL.
    public func requiredInteger(_ row: Int, _ column: Int) throws(PGDecodingError) -> Int64 {
        guard let v = try integer(row, column) else {
            throw PGDecodingError(column: column < columnNames.count ? columnNames[column] : "#\(column)", row: row, reason: .null)
        }
        return v
    }

    /// A `date` cell as days since 1970-01-01, or nil for NULL.
    public func date(_ row: Int, _ column: Int) throws(PGDecodingError) -> Int32? {
        guard let v = try integer(row, column) else { return nil }
        let (shifted, overflow) = v.addingReportingOverflow(Int64(PGBinaryCopyWriter.postgresEpochDays))
        guard !overflow, let days = Int32(exactly: shifted) else {
            throw PGDecodingError(column: columnNames[column], row: row, reason: .unparsable("date"))
        }
        return days
    }

    /// A `timestamptz` cell as microseconds since 1970-01-01 UTC, or nil for NULL.
    public func timestampMicros(_ row: Int, _ column: Int) throws(PGDecodingError) -> Int64? {
        guard let v = try integer(row, column) else { return nil }
        return v &+ PGBinaryCopyWriter.postgresEpochMicros
    }

    /// A `text` cell, or nil for NULL.
    public func text(_ row: Int, _ column: Int) -> String? {
        bytes(row, column).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension PGConnection {
    /// Runs one statement with text-format parameters and returns its rows in binary format.
    public func queryBinary(_ sql: String, bind values: any PGBindable...) throws -> PGBinaryResult {
        let params = values.map(\.pgText)
        let result = try withCStringPointers(params) { pointers in
            PQexecParams(handle, sql, Int32(params.count), nil, pointers, nil, nil, 1)
        }
        defer { PQclear(result) }
        try check(result, accepting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
        guard let result else { throw PGError(message: "libpq returned no result") }
        return PGBinaryResult(copying: result)
    }
}
