import CLibPQ

/// Appends rows to a `COPY ... FROM STDIN` in PostgreSQL's text format; handed to the body
/// of ``PGConnection/copyIn(_:_:)``.
///
/// Values are escaped here (backslash, tab, newline and carriage return; `nil` becomes
/// `\N`) and sent in batches of about 64 KiB, so a row costs no libpq call of its own.
/// Write a row either with ``row(_:)`` or, without building an array, with ``field(_:)``
/// calls followed by ``endRow()``.
///
/// Sending errors are remembered and reported when the COPY finishes; rows written after
/// an error are discarded.
public struct PGCopyWriter {
    /// Bytes sent per `PQputCopyData` call (the buffer is flushed once it reaches this).
    static let batchSize = 64 * 1024

    private let connection: OpaquePointer
    private var buffer: [UInt8] = []
    private var fieldsInRow = 0
    /// Rows ended so far.
    private(set) var rowsWritten = 0
    /// The first failure to hand data to libpq.
    private(set) var failure: PGError?

    init(connection: OpaquePointer) {
        self.connection = connection
        buffer.reserveCapacity(Self.batchSize + 4096)
    }

    /// Writes one complete row; `nil` values are SQL NULL.
    public mutating func row(_ values: [String?]) {
        for value in values {
            field(value)
        }
        endRow()
    }

    /// Appends one text field (or NULL) to the current row.
    public mutating func field(_ value: String?) {
        startField()
        guard var value else {
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(UInt8(ascii: "N"))
            return
        }
        value.withUTF8 { bytes in
            // Most values need no escaping: copy them whole.
            guard bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else {
                buffer.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
                case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
                default: buffer.append(byte)
                }
            }
        }
        flushIfFull()
    }

    /// Appends one integer field (or NULL).
    public mutating func field<I: BinaryInteger>(_ value: I?) {
        guard let value else {
            field(nil as String?)
            return
        }
        field(value)
    }

    /// Appends a `date` field, `YYYY-MM-DD`, from a proleptic Gregorian (year, month, day).
    public mutating func field(year: Int, month: Int, day: Int) {
        startField()
        appendDigits(year, width: 4)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2)
    }

    /// Appends a `timestamptz` field in UTC, `YYYY-MM-DD HH:MM:SS.mmm+00`.
    public mutating func field(year: Int, month: Int, day: Int, millisecondOfDay ms: Int) {
        field(year: year, month: month, day: day)
        buffer.append(UInt8(ascii: " "))
        appendDigits(ms / 3_600_000, width: 2)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(ms / 60_000 % 60, width: 2)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(ms / 1000 % 60, width: 2)
        buffer.append(UInt8(ascii: "."))
        appendDigits(ms % 1000, width: 3)
        buffer.append(UInt8(ascii: "+"))
        appendDigits(0, width: 2)
    }

    /// `value` in decimal, its magnitude zero-padded to `width` digits. A negative value (a
    /// date before year 1) is written with its sign, for PostgreSQL to refuse as a data
    /// exception rather than for this writer to trap.
    private mutating func appendDigits(_ value: Int, width: Int) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        let start = buffer.count
        var v = value.magnitude
        var n = 0
        repeat {
            buffer.append(UInt8(ascii: "0") + UInt8(v % 10))
            v /= 10
            n += 1
        } while v > 0 || n < width
        buffer[start...].reverse()
    }

    /// Appends one integer field in decimal, without going through `String`.
    public mutating func field<I: BinaryInteger>(_ value: I) {
        startField()
        guard let wide = Int64(exactly: value) else {
            buffer.append(contentsOf: String(value).utf8)
            return
        }
        if wide < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = wide.magnitude
        let start = buffer.count
        repeat {
            buffer.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        buffer[start...].reverse()
    }

    /// Ends the current row.
    public mutating func endRow() {
        buffer.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
        rowsWritten += 1
        flushIfFull()
    }

    /// Sends whatever is buffered; called by ``PGConnection/copyIn(_:_:)`` at the end.
    mutating func flush() {
        defer { buffer.removeAll(keepingCapacity: true) }
        guard failure == nil, !buffer.isEmpty else { return }
        failure = putCopyData(buffer, on: connection)
    }

    private mutating func startField() {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    private mutating func flushIfFull() {
        if buffer.count >= Self.batchSize { flush() }
    }
}
