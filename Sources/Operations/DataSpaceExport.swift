import CSVOutput
import Foundation
import HubCrypto
import HubStore
import Postgres
import Zstd

/// One school's or county's data space written to a directory: `raw/` (each raw message
/// decompressed, plus `index.ndjson`) and `standard_zone.csv`. The export holds personal data:
/// directories are 0700 and files 0600 (``PrivateOutput``). Audited.
public struct DataSpaceExport: Sendable {
    public var space: DataSpace
    /// Output directory (created, or narrowed to 0700).
    public var directory: String
    /// Start `standard_zone.csv` with a UTF-8 byte-order mark (for Excel).
    public var byteOrderMark: Bool

    public init(space: DataSpace, directory: String, byteOrderMark: Bool = false) {
        self.space = space
        self.directory = directory
        self.byteOrderMark = byteOrderMark
    }

    public struct Outcome: Sendable, Equatable {
        public var rawMessages: Int
        public var standardRows: Int
    }

    /// Writes the export; `keyring` opens sealed raw messages (a sealed message without it fails).
    public func run(_ db: PGConnection, schema: HubSchema, keyring: AtRestKeyring?, actor: String? = nil) throws -> Outcome {
        let rawDirectory = URL(fileURLWithPath: directory).appendingPathComponent("raw")
        try PrivateOutput.directory(directory)
        try PrivateOutput.directory(rawDirectory.path)
        let messages = try RawZoneStore.messages(db, schema: schema, space: space)
        var index = ""
        for m in messages {
            index += try writeRaw(m, to: rawDirectory, keyring: keyring) + "\n"
        }
        try PrivateOutput.write(Array(index.utf8), to: rawDirectory.appendingPathComponent("index.ndjson").path)

        let rows = try RawZoneStore.standardZone(db, schema: schema, space: space)
        var csv = CSVWriter(byteOrderMark: byteOrderMark)
        csv.writeRecord(rows.columnNames)
        for i in 0..<rows.rowCount {
            // NULL stays an empty field: the CSV has no other way to say it.
            csv.writeRecord((0..<rows.columnNames.count).map { rows.value(i, $0) })
        }
        try PrivateOutput.write(csv.bytes, to: URL(fileURLWithPath: directory).appendingPathComponent("standard_zone.csv").path)
        try AuditLog.record(db, schema: schema, action: "dataspace.export", actor: actor, details: [
            "space": space.description, "out": directory, "raw_messages": String(messages.count), "standard_rows": String(rows.rowCount)])
        return Outcome(rawMessages: messages.count, standardRows: rows.rowCount)
    }

    /// Writes one raw message's decompressed value (when its bytes are still kept) and returns
    /// its `index.ndjson` line.
    private func writeRaw(_ m: RawZoneStore.StoredMessage, to rawDirectory: URL, keyring: AtRestKeyring?) throws -> String {
        let file = "\(m.topic)-\(m.partition)-\(m.offset).bin"
        var entry: [String: String] = [
            "topic": m.topic, "partition": String(m.partition), "offset": String(m.offset), "key": m.key ?? "",
            "school_code": m.schoolCode ?? "", "county_code": m.countyCode ?? "", "received_at": m.receivedAt,
            "message_time": m.messageTime ?? "", "headers": m.headers,
            "record_schools": m.recordSchools.joined(separator: ","),
        ]
        if var compressed = m.compressed {
            if m.sealed {
                guard let keyring else { throw OperationError.sealed("raw message \(m.topic)/\(m.partition)/\(m.offset) is") }
                compressed = try keyring.open(compressed)
            }
            let bytes = try Zstd.decompress(compressed, maxOutput: 64 << 20)
            try PrivateOutput.write(bytes, to: rawDirectory.appendingPathComponent(file).path)
            entry["file"] = "raw/" + file
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(entry), as: UTF8.self)
    }
}
