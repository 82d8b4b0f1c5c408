import Aggregation
import Decoding
import Foundation
import HubCore
import Standardization
import Topology

/// Runs a topology over a fixture case entirely in memory — the same decoding,
/// standardisation, current-state and aggregate code the workers use, without a broker or a
/// database — and renders the outcome as sorted lines that read like a report.
public struct TopologyTestRunner: Sendable {
    public let topology: Topology
    /// Person codes depend on the secret; fixtures use this fixed one (never a real key).
    public static let fixtureSecret = Array("topology-test-fixture-secret".utf8)

    public init(topology: Topology) { self.topology = topology }

    public func run(_ testCase: TopologyTestCase) -> [String] {
        var registry = SchoolRegistry()
        for (i, e) in testCase.registry.enumerated() {
            registry.apply(school: e.school, county: e.county, timestampMs: e.atMs, partition: 0, offset: Int64(i))
        }
        let pseudonymizer = Pseudonymizer(secret: Self.fixtureSecret)
        var standardizers: [String: Standardizer] = [:]
        for s in topology.streams { standardizers[s.sourceTopic] = Standardizer(stream: s, pseudonymizer: pseudonymizer) }
        var state = CurrentStateTable()
        var deltas = AggregateDeltas(definitions: topology.streams.flatMap(\.aggregates))
        var lines: [String] = []
        var offsets: [String: Int64] = [:]
        for m in testCase.messages {
            let offset = offsets["\(m.topic)#\(m.partition)", default: 0]
            offsets["\(m.topic)#\(m.partition)"] = offset + 1
            let source = SourcePosition(topic: m.topic, partition: m.partition, offset: offset, row: 0)
            guard let standardizer = standardizers[m.topic] else {
                lines.append("error no stream reads topic \(m.topic)")
                continue
            }
            switch MessageDecoding.decode(value: m.value, headers: m.headers.map { ($0.0, $0.1) }) {
            case .rejected(let reason, _):
                lines.append("quarantine \(reason.rawValue) from=\(source)")
            case .records(let records):
                for r in records {
                    switch r {
                    case .malformed(let row, _, _):
                        var p = source
                        p.row = row
                        lines.append("quarantine malformed from=\(p)")
                    case .record(let record):
                        var p = source
                        p.row = record.row
                        let outcome: StandardizationOutcome
                        do {
                            outcome = try standardizer.standardize(record, source: p, registryAsOfMs: m.timestampMs, registry: registry)
                        } catch {
                            lines.append("error \(error.description) from=\(p)")
                            continue
                        }
                        switch outcome {
                        case .standard(let std):
                            lines.append(Self.render(std))
                            if let replaced = state.apply(std) {
                                do {
                                    try deltas.replace(replaced, with: std)
                                } catch {
                                    lines.append("error \(error) from=\(p)")
                                }
                            }
                        case .quarantine(let reason, let field, _, _):
                            lines.append("quarantine \(reason.rawValue) field=\(field ?? "-") from=\(p)")
                        }
                    }
                }
            }
        }
        var totals: [AggregateRowKey: [Int64]] = [:]
        for (k, v) in deltas.nonZero { totals[k] = v }
        for (k, v) in totals.sorted(by: { $0.key < $1.key }) {
            let groups = k.groups.map { g -> String in
                let def = topology.streams.flatMap(\.aggregates).first { $0.table == k.table }
                let isDay = def?.groupBy.contains { $0.field == "date" } ?? false
                return isDay ? CalendarDate(daysSinceEpoch: Int(g)).description : String(g)
            }
            lines.append("aggregate \(k.table) \(k.level.rawValue) \(k.region)\(groups.isEmpty ? "" : " " + groups.joined(separator: " ")) = \(v.map(String.init).joined(separator: " "))")
        }
        return lines
    }

    static func render(_ r: StandardRecord) -> String {
        var parts = ["standard \(r.type.rawValue)", "school=\(r.schoolCode)", "county=\(r.countyCode)"]
        if r.type != .attendance { parts.append("person=\(r.key.hex.prefix(12))") }
        if let v = r.gender { parts.append("gender=\(v)") }
        if let v = r.grade { parts.append("grade=\(v)") }
        if let v = r.status { parts.append("status=\(v)") }
        if let v = r.day { parts.append("day=\(CalendarDate(daysSinceEpoch: Int(v)))") }
        if let v = r.className { parts.append("class=\(v)") }
        if let v = r.expected { parts.append("expected=\(v)") }
        if let v = r.present { parts.append("present=\(v)") }
        if let v = r.birthDay { parts.append("birth=\(CalendarDate(daysSinceEpoch: Int(v)))") }
        parts.append("updated=\(r.updatedAtMicros)")
        parts.append("from=\(r.position)")
        return parts.joined(separator: " ")
    }

    /// The readable difference between expected and actual lines: `- ` only expected,
    /// `+ ` only actual; empty when they match.
    public static func diff(expected: [String], actual: [String]) -> [String] {
        var remaining: [String: Int] = [:]
        for l in actual { remaining[l, default: 0] += 1 }
        var missing: [String] = []
        for l in expected {
            if let n = remaining[l], n > 0 { remaining[l] = n - 1 } else { missing.append(l) }
        }
        let extra = actual.filter { l in
            if let n = remaining[l], n > 0 { remaining[l] = n - 1; return true }
            return false
        }
        return missing.map { "- " + $0 } + extra.map { "+ " + $0 }
    }

    /// Runs a case against its `expected.txt`; the diff lines (empty = pass).
    public func check(_ testCase: TopologyTestCase) -> [String] {
        let actual = run(testCase)
        let expected = ((try? String(contentsOfFile: testCase.expectedPath, encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
        return Self.diff(expected: expected, actual: actual)
    }
}
