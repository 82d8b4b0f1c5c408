import Aggregation
import HubCore
import Postgres
import Topology

/// Runs the uniqueness monitors — the ``StateQueryRule``s, each with its query in its rule
/// file (`Topology/Monitors/Rules/`) — in bulk over the whole current state, and replaces
/// each monitor's rows with the query's.
///
/// These groups span partitions and sink instances, so merging claims per record inside the
/// sink's transaction serialised sinks and cost PostgreSQL more per record than storing the
/// state itself. Here each evaluation recomputes a monitor's results from scratch in a few
/// set-based statements (about a second per million persons); running it again gives the
/// same rows, and an alert is raised once per breach.
struct UniquenessEvaluation {
    let db: PGConnection
    let schema: HubSchema
    let topology: Topology

    /// What an evaluation did: the rows it wrote, and the monitors it left as they were.
    struct Outcome {
        var rows: [(key: QualityRowKey, checked: Int64, failed: Int64)] = []
        /// Monitors of a record type whose std partitions are at different key generations (a
        /// re-key under way, README "Key rotation"): codes and pseudonyms of two generations
        /// never match, so a duplicate across partitions would go unseen (a breach would look
        /// resolved). Their last results stand until the re-key is done.
        var postponed: [String] = []
    }

    /// Replaces the results of every uniqueness monitor whose record type's state is at one key
    /// generation.
    func evaluate() throws -> Outcome {
        var outcome = Outcome()
        let mixed = try mixedGenerations()
        for m in topology.monitors {
            guard let rule = m.rule as? any StateQueryRule else { continue }
            if mixed.contains(m.recordType) {
                outcome.postponed.append(m.name)
                continue
            }
            let query = rule.query(schema: schema.name, recordType: m.recordType)
            let rows = try rows(db.query(query.sql, query.parameters), monitor: m.name)
            try replaceResults(m, rows)
            outcome.rows += rows.map { ($0.0, $0.1, $0.2) }
        }
        return outcome
    }

    /// The record types whose std partitions are not all at one key generation.
    private func mixedGenerations() throws -> Set<RecordType> {
        let byType = Dictionary(grouping: try KeyGenerations.all(db, schema: schema), by: \.slot.type)
        return Set(byType.filter { Set($0.value.map(\.generation)).count > 1 }.keys)
    }

    private func rows(_ r: PGResult, monitor: String) throws -> [(QualityRowKey, Int64, Int64, [String])] {
        try r.rows.map { row in
            let key = QualityRowKey(monitor: monitor, school: try row.decode("school_code"), day: try row.decode("day"))
            let examples = try row.decodeIfPresent("examples", as: PGTextArray.self)?.values ?? []
            return (key, try row.decode("checked"), try row.decode("failed"), examples)
        }
    }

    /// Replaces all of the monitor's rows with `rows` and raises alerts for new breaches.
    private func replaceResults(_ m: MonitorDefinition, _ rows: [(QualityRowKey, Int64, Int64, [String])]) throws {
        let s = schema.name
        try db.query("DELETE FROM \(s).quality_results WHERE monitor = $1", bind: m.name)
        guard !rows.isEmpty else { return }
        try db.copyIn("COPY \(s).quality_results (monitor, school_code, day, checked, failed, examples) FROM STDIN") { w in
            for (key, checked, failed, examples) in rows {
                w.field(key.monitor)
                w.field(key.school)
                w.field(day: key.day)
                w.field(checked)
                w.field(failed)
                w.field(PGArrayLiteral.text(examples))
                w.endRow()
            }
        }
    }
}
