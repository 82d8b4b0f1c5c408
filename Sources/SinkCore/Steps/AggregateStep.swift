import Aggregation
import HubCore
import HubStore
import Postgres
import Topology

/// Step: the published aggregates. Each changed entity retracts its old version's
/// contribution and adds the new one's (Kafka Streams' KTable aggregation); the batch's net
/// deltas are merged into each table in key order, so concurrent sinks lock rows in the same
/// order and never deadlock.
struct AggregateStep {
    let schema: HubSchema
    let tables: [AggregateTableSQL]
    let definitions: [AggregateDefinition]

    init(schema: HubSchema, topology: Topology) {
        self.schema = schema
        var tables: [AggregateTableSQL] = []
        for s in topology.streams {
            for a in s.aggregates { tables.append(AggregateTableSQL(schema: schema.name, definition: a, stream: s)) }
        }
        self.tables = tables.sorted { $0.definition.table < $1.definition.table }
        self.definitions = self.tables.map(\.definition)
    }

    var stagingSQL: String {
        tables.map { "CREATE TEMP TABLE IF NOT EXISTS stage_\($0.definition.table) (LIKE \($0.qualified) INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;" }
            .joined(separator: "\n")
    }

    /// Returns the number of aggregate rows changed.
    func apply(_ db: PGConnection, _ changes: StateChanges) throws -> Int {
        var deltas = AggregateDeltas(definitions: definitions)
        try changes.forEachReplacement { try deltas.replace($0, with: $1) }
        let rows = deltas.nonZero
        guard !rows.isEmpty else { return 0 }
        var byTable: [String: [(key: AggregateRowKey, deltas: [Int64])]] = [:]
        for r in rows { byTable[r.key.table, default: []].append(r) }
        for a in tables {
            guard let tableRows = byTable[a.definition.table] else { continue }
            let stage = "stage_\(a.definition.table)"
            let cols = a.keyColumns + a.definition.measures.map(\.column)
            try db.copyIn("COPY \(stage) (\(cols.joined(separator: ", "))) FROM STDIN") { w in
                for row in tableRows {
                    w.field(row.key.level.rawValue)
                    w.field(row.key.region)
                    for (i, g) in a.definition.groupBy.enumerated() {
                        if a.groupType(g.field) == "date" {
                            w.field(day: Int32(truncatingIfNeeded: row.key.groups[i]))
                        } else {
                            w.field(row.key.groups[i])
                        }
                    }
                    for d in row.deltas { w.field(d) }
                    w.endRow()
                }
            }
            try db.execute(a.mergeStatement(stage: stage))
        }
        return rows.count
    }
}

