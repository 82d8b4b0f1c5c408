import HubCore
import HubStore
import Postgres
import Topology

/// The stable bit of each quality monitor in the masks stored with the state
/// (`quality_monitors.bit`), and the translation of a standard-zone message's masks into it.
///
/// Transform sets bit i for the i-th monitor of its topology and names the monitors in each
/// message's header; the sink maps those names to the stable bits, so a steward reordering,
/// adding or removing monitors while messages are in flight never misattributes a result.
public struct MonitorBits: Sendable {
    /// Per record type, the monitor name of each stable bit (empty where unused).
    public let names: [RecordType: [String]]
    private let bitOf: [RecordType: [String: Int]]

    public init(names: [RecordType: [String]]) {
        self.names = names
        var bitOf: [RecordType: [String: Int]] = [:]
        for (type, list) in names {
            for (i, n) in list.enumerated() where !n.isEmpty { bitOf[type, default: [:]][n] = i }
        }
        self.bitOf = bitOf
    }

    /// The bits assigned by the migrations.
    public static func load(_ db: PGConnection, schema: HubSchema) throws -> MonitorBits {
        var names: [RecordType: [String]] = [:]
        for row in try db.query("SELECT monitor, record_type, bit FROM \(schema.name).quality_monitors WHERE bit IS NOT NULL").rows {
            guard let type = RecordType(rawValue: try row.decode("record_type")) else { continue }
            let bit: Int = try row.decode("bit")
            guard (0..<64).contains(bit) else { continue }
            var list = names[type] ?? [String](repeating: "", count: 64)
            list[bit] = try row.decode("monitor")
            names[type] = list
        }
        return MonitorBits(names: names)
    }

    /// The translation for masks whose bit i means `declared[i]`; monitors unknown here
    /// (added to the topology after this sink started) are dropped from the masks.
    public func remap(_ type: RecordType, declared: [String]) -> MaskRemap {
        var table = [Int8](repeating: -1, count: 64)
        var identity = true
        for (i, n) in declared.prefix(64).enumerated() {
            let stable = bitOf[type]?[n].map { Int8($0) } ?? -1
            table[i] = stable
            if stable != Int8(i) { identity = false }
        }
        return MaskRemap(table: table, identity: identity)
    }
}

/// Moves mask bits to their stable positions.
public struct MaskRemap: Sendable {
    let table: [Int8]
    let identity: Bool

    public func apply(_ mask: UInt64) -> UInt64 {
        if identity || mask == 0 { return mask }
        var out: UInt64 = 0
        var bits = mask
        while bits != 0 {
            let i = bits.trailingZeroBitCount
            bits &= bits - 1
            let stable = table[i]
            if stable >= 0 { out |= 1 << UInt64(stable) }
        }
        return out
    }
}
