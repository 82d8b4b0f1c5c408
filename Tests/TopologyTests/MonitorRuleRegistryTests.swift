import Foundation
import HubCore
import Testing
import Topology

/// The monitor rule registry against the topology reference (the README's monitor table) and
/// the parser: every registered rule is documented with its parameters and accepted under
/// each of its kinds, and every documented rule is registered.
@Suite("Topology: the monitor rule registry")
struct MonitorRuleRegistryTests {
    /// A row of the README's monitor table: the kind, its rules with their documented
    /// parameter keys, and where they run.
    struct DocumentedKind {
        var kind: String
        var rules: [String: Set<String>]
        var runsIn: String
    }

    /// The rows of the table headed `| kind (dimension) | rules and parameters | runs in |`.
    static func documented() throws -> [DocumentedKind] {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let readme = try String(contentsOf: url.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        let header = try #require(lines.firstIndex { $0.hasPrefix("| kind (dimension) | rules and parameters | runs in |") })
        var kinds: [DocumentedKind] = []
        for line in lines[(header + 2)...] {
            guard line.hasPrefix("|") else { break }
            let cells = line.replacingOccurrences(of: "\\|", with: "/").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3, let kind = codeSpans(cells[0]).first else { continue }
            var rules: [String: Set<String>] = [:]
            for segment in cells[1].components(separatedBy: " · ") {
                let spans = codeSpans(segment)
                guard let rule = spans.first else { continue }
                rules[rule] = Set(spans.dropFirst().map { String($0.prefix { $0 != ":" }) })
            }
            kinds.append(DocumentedKind(kind: kind, rules: rules, runsIn: cells[2]))
        }
        return kinds
    }

    /// The `code` spans of a Markdown cell, in order.
    static func codeSpans(_ text: String) -> [String] {
        text.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
    }

    /// The words the table's "runs in" column uses for each stage.
    static func place(_ stage: MonitorDefinition.Stage) -> String {
        switch stage {
        case .transform: return "Transform"
        case .sinkQuarantine: return "sink"
        case .uniquenessEvaluation: return "state evaluation"
        case .dayEvaluation: return "day evaluation"
        }
    }

    @Test("every kind and rule in the README's table is registered, with the same parameters, and vice versa")
    func registryMatchesReference() throws {
        let documented = try Self.documented()
        #expect(Set(documented.map(\.kind)) == Set(MonitorRuleRegistry.kinds.keys))
        for row in documented {
            let registered = MonitorRuleRegistry.rules(ofKind: row.kind)
            #expect(Set(row.rules.keys) == Set(registered.map { $0.name }), "kind \(row.kind)")
            for rule in registered {
                #expect(row.rules[rule.name] == Set(rule.parameters), "parameters of \(rule.name) under \(row.kind)")
                #expect(row.runsIn.contains(Self.place(rule.stage)), "\(rule.name) runs in \(Self.place(rule.stage)): \(row.runsIn)")
            }
        }
        // Names are unique; every rule belongs to a known kind.
        #expect(Set(MonitorRuleRegistry.rules.map { $0.name }).count == MonitorRuleRegistry.rules.count)
        for rule in MonitorRuleRegistry.rules {
            #expect(!rule.kinds.isEmpty && rule.kinds.allSatisfy { MonitorRuleRegistry.kinds[$0] != nil }, "\(rule.name)")
            #expect(MonitorRuleRegistry.rule(named: rule.name).map { $0 == rule } == true)
        }
    }

    @Test("the parser accepts every registered rule under each of its kinds, from the rule's own example")
    func parserAcceptsEveryRule() throws {
        for rule in MonitorRuleRegistry.rules {
            for kind in rule.kinds {
                let (type, yaml) = rule.example
                let file = "\(type.rawValue).yaml"
                let parameters = yaml.isEmpty ? "" : yaml.split(separator: "\n").map { "    \($0)\n" }.joined()
                let monitor = "monitors:\n  probe_\(rule.name):\n    kind: \(kind)\n    rule: \(rule.name)\n" + parameters
                let text = TopologyFixtures.edit(TopologyFixtures.shipped(file), "monitors:\n", monitor)
                let topology = try TopologyLoader.load(sources: TopologyFixtures.sources(replacing: [file: text]))
                let probe = try #require(topology.monitor("probe_\(rule.name)"))
                #expect(probe.ruleName == rule.name)
                #expect(probe.stage == rule.stage)
                #expect(probe.dimension == MonitorRuleRegistry.kinds[kind])
                #expect(probe.recordType == type)
            }
        }
    }

    @Test("a rule the registry does not know is refused, naming the kind's rules")
    func unknownRuleRefused() {
        let issues = TopologyFixtures.issues(editing: "student.yaml", "    rule: birth_matches_id\n", "    rule: birth_matches_passport\n")
        #expect(issues.count == 1)
        #expect(issues.first?.message == "rule \"birth_matches_passport\" is not a validity rule; known: "
            + MonitorRuleRegistry.rules(ofKind: "validity").map { $0.name }.joined(separator: ", "))
    }

    @Test("a kind's default rule is its first registered one")
    func defaultRule() throws {
        let topology = try TopologyLoader.load(directory: TopologyFixtures.directory)
        // student_profile_complete names no rule.
        #expect(topology.monitor("student_profile_complete")?.ruleName == MonitorRuleRegistry.rules(ofKind: "completeness").first?.name)
        #expect(MonitorRuleRegistry.rules(ofKind: "validity").first?.name == "valid")
    }
}
