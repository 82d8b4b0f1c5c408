import CSVOutput
import FileOutput
import Foundation
import Postgres
import Topology
import Zstd

/// Every published aggregate table as CSV with a header (RFC 4180 through the shared
/// ``CSVWriter``; a byte-order mark for Excel on request), zstd-compressed, one file per
/// table: `DIR/<table>/<table>_<stamp>.csv.zst`. Written whole or not at all (``AtomicFile``), so
/// a consumer never sees half a file and a retry replaces it.
public struct SnapshotExport: Sendable {
    public var directory: String
    /// The file name's stamp (the scheduler uses the interval start, `YYYYMMDDTHHMM`).
    public var stamp: String
    public var byteOrderMark: Bool

    public init(directory: String, stamp: String, byteOrderMark: Bool = false) {
        self.directory = directory
        self.stamp = stamp
        self.byteOrderMark = byteOrderMark
    }

    /// One written file.
    public struct File: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var rows: Int
        public var description: String { "\(path) (\(rows) rows)" }
    }

    public func run(_ db: PGConnection, schema: String, topology: Topology) throws -> [File] {
        var written: [File] = []
        for stream in topology.streams {
            for aggregate in stream.aggregates {
                written.append(try export(db, table: aggregate.table, schema: schema))
            }
        }
        return written
    }

    private func export(_ db: PGConnection, table: String, schema: String) throws -> File {
        let r = try db.query("SELECT * FROM \(schema).\(table) ORDER BY 1, 2, 3")
        var csv = CSVWriter(byteOrderMark: byteOrderMark)
        csv.writeRecord(r.columnNames)
        for i in 0..<r.rowCount {
            // NULL stays an empty field: the CSV has no other way to say it.
            csv.writeRecord(r.columnNames.indices.map { r.value(i, $0) })
        }
        let tableDirectory = directory + "/" + table
        try FileManager.default.createDirectory(atPath: tableDirectory, withIntermediateDirectories: true)
        let path = "\(tableDirectory)/\(table)_\(stamp).csv.zst"
        let compressed: [UInt8]
        do {
            compressed = try Zstd.compress(csv.bytes)
        } catch {
            throw OperationError("\(table): \(error)")
        }
        do {
            try AtomicFile.write(Data(compressed), to: path)
        } catch {
            throw OperationError(error.description)
        }
        return File(path: path, rows: r.rowCount)
    }
}
