import Foundation
import HubCore
import Yams

/// Loads every `*.yaml` / `*.yml` file of a topology directory and validates the whole.
///
/// A worker calls this at start and refuses to run on any issue; `hubctl topology validate`
/// prints them all. Code tables may be defined in any file and are shared by all streams.
public enum TopologyLoader {
    public static func load(directory: String) throws(TopologyError) -> Topology {
        let url = URL(fileURLWithPath: directory)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw TopologyError(issues: [TopologyIssue(file: directory, line: 0, column: 0,
                                                       message: "cannot read the topology directory")])
        }
        guard !names.isEmpty else {
            throw TopologyError(issues: [TopologyIssue(file: directory, line: 0, column: 0,
                                                       message: "no .yaml topology files found")])
        }
        var sources: [(file: String, text: String)] = []
        for name in names {
            let path = url.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw TopologyError(issues: [TopologyIssue(file: path, line: 0, column: 0, message: "cannot read file as UTF-8")])
            }
            sources.append((path, text))
        }
        return try load(sources: sources)
    }

    static let topKeys: Set<String> = ["code_tables", "stream", "description", "owner", "record_type", "source_topic",
                                       "output_topic", "fields", "dialects", "aggregates", "monitors", "dags", "regions",
                                       "school_stages", "scenarios"]

    /// Loads topology documents given as (file name, YAML text) pairs.
    public static func load(sources: [(file: String, text: String)]) throws(TopologyError) -> Topology {
        var issues: [TopologyIssue] = []
        var parsed: [(YAMLReader, Node)] = []
        for (file, text) in sources {
            let reader = YAMLReader(file: file)
            do {
                if let node = try Yams.compose(yaml: text) {
                    parsed.append((reader, node))
                }
            } catch let error as YamlError {
                issues.append(yamlIssue(file: file, error))
            } catch {
                issues.append(TopologyIssue(file: file, line: 1, column: 1, message: "\(error)"))
            }
        }

        // Shared sections first: streams refer to code tables by name across files.
        var shared = SharedSections()
        var streamNodes: [(YAMLReader, Node, [(key: String, keyNode: Node, value: Node)])] = []
        for (reader, root) in parsed {
            let top = reader.mapping(root, "a topology file", allowedKeys: topKeys)
            shared.read(top, reader)
            if top["stream"] != nil {
                streamNodes.append((reader, root, top))
            } else if top.contains(where: { !SharedSections.keys.contains($0.key) }) {
                reader.issue(root, "stream settings given without \"stream: NAME\"")
            }
        }
        let tables = shared.tables
        let stages = shared.stages

        var streams: [StreamDefinition] = []
        var written: [WrittenStream] = []
        for (reader, root, top) in streamNodes {
            if let s = StreamParser(reader: reader, tables: tables).parse(root, top) {
                streams.append(s)
                written.append(WrittenStream(definition: s, reader: reader, top: top))
            }
        }
        checkAcrossStreams(written)
        // Scenarios after the stages, which any file may declare.
        var scenarios: [ScenarioDefinition] = []
        for (reader, node) in shared.scenarioNodes {
            for scenario in ScenarioParser(reader: reader).parseScenarios(node, stages: Set(stages.map(\.code))) {
                if let other = scenarios.first(where: { $0.name == scenario.name }) {
                    reader.issue(line: scenario.line, column: 3, "scenario \"\(scenario.name)\" is also defined in \(other.file)")
                } else {
                    scenarios.append(scenario)
                }
            }
        }
        for (reader, _) in parsed { issues.append(contentsOf: reader.issues) }
        if !issues.isEmpty { throw TopologyError(issues: issues.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }) }
        var topology = Topology(streams: streams, codeTables: tables, files: sources.map(\.file), dags: shared.dags)
        topology.regions = RegionDirectory(shared.regions)
        topology.schoolStages = stages
        topology.scenarios = scenarios
        return topology
    }

    private static func yamlIssue(file: String, _ error: YamlError) -> TopologyIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return TopologyIssue(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)")
        case .reader(let problem, let offset?, _, let yaml):
            // The reader reports a character offset, not a line and column.
            let (line, column) = lineAndColumn(ofCharacter: offset, in: yaml)
            return TopologyIssue(file: file, line: line, column: column, message: "YAML: \(problem)")
        default:
            return TopologyIssue(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    private static func lineAndColumn(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for c in text.prefix(offset) {
            if c == "\n" || c == "\r\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    fileprivate static func codeTable(_ name: String, _ node: Node, _ reader: YAMLReader) -> CodeTable? {
        let entries = reader.mapping(node, "code table \"\(name)\"", allowedKeys: ["match", "codes"])
        var match = CodeTable.Match.exact
        if let m = entries["match"] {
            // A bad match is reported once; the table is still defined, so its uses do not
            // each add an "unknown code table" issue.
            if let s = m.scalar?.string, let parsed = CodeTable.Match(rawValue: s) {
                match = parsed
            } else {
                reader.issue(m, "match must be \"exact\" or \"integer\"")
            }
        }
        guard let codesNode = reader.required(entries, "codes", in: node, "code table \"\(name)\"") else { return nil }
        var codes: [String: Int16] = [:]
        for (key, keyNode, valueNode) in reader.mapping(codesNode, "codes of \"\(name)\"") {
            guard let s = valueNode.scalar?.string, let code = Int16(s) else {
                reader.issue(valueNode, "code for \"\(key)\" in \"\(name)\" must be an integer")
                continue
            }
            var k = key
            if match == .integer {
                guard let n = CodeTable.nonNegativeInteger(key) else {
                    reader.issue(keyNode, "key \"\(key)\" of integer table \"\(name)\" must be a non-negative integer")
                    continue
                }
                k = String(n)
            }
            codes[k] = code
        }
        if codes.isEmpty { reader.issue(codesNode, "code table \"\(name)\" has no codes") }
        return CodeTable(name: name, match: match, entries: codes)
    }

    /// The sections that stand on their own in any file, gathered across files; a name
    /// declared twice is reported where it is declared the second time.
    private struct SharedSections {
        static let keys: Set<String> = ["code_tables", "dags", "regions", "school_stages", "scenarios"]

        var tables: [String: CodeTable] = [:]
        var tableFiles: [String: String] = [:]
        var dags: [DAGDefinition] = []
        var regions: [RegionName] = []
        var regionFiles: [String: String] = [:]
        var stages: [SchoolStage] = []
        /// Scenarios are read after every file's stages.
        var scenarioNodes: [(YAMLReader, Node)] = []

        mutating func read(_ top: [(key: String, keyNode: Node, value: Node)], _ reader: YAMLReader) {
            for (name, keyNode, tableNode) in reader.mapping(top["code_tables"], "code_tables") {
                if let other = tableFiles[name] {
                    reader.issue(keyNode, "code table \"\(name)\" is already defined in \(other)")
                    continue
                }
                if let table = TopologyLoader.codeTable(name, tableNode, reader) {
                    tables[name] = table
                    tableFiles[name] = reader.file
                }
            }
            for dag in DAGParser(reader: reader).parse(top["dags"]) {
                if let other = dags.first(where: { $0.name == dag.name }) {
                    reader.issue(line: dag.line, column: 1, "DAG \"\(dag.name)\" is already defined in \(other.file)")
                } else {
                    dags.append(dag)
                }
            }
            for region in RegionParser(reader: reader).parse(top["regions"]) {
                if let other = regionFiles[region.code] {
                    reader.issue(top["regions"], "region \(region.code) is already named in \(other)")
                } else {
                    regions.append(region)
                    regionFiles[region.code] = reader.file
                }
            }
            for stage in ScenarioParser(reader: reader).parseStages(top["school_stages"]) {
                if stages.contains(where: { $0.code == stage.code }) {
                    reader.issue(top["school_stages"], "school stage \"\(stage.code)\" is declared twice")
                } else {
                    stages.append(stage)
                }
            }
            if let node = top["scenarios"] { scenarioNodes.append((reader, node)) }
        }
    }

    /// A parsed stream with the nodes it was read from, so a clash between streams is
    /// reported at the line where the clashing name is written.
    private struct WrittenStream {
        var definition: StreamDefinition
        var reader: YAMLReader
        var top: [(key: String, keyNode: Node, value: Node)]

        /// The key node of the aggregate called `table`.
        func aggregateNode(_ table: String) -> Node? {
            guard case .mapping(let mapping)? = top["aggregates"] else { return nil }
            return mapping.first { $0.key.scalar?.string == table }?.key
        }
    }

    /// Names that must be unique across all files: stream names, source topics, record types
    /// and aggregate tables. The later stream (in file order) gets the issue.
    private static func checkAcrossStreams(_ streams: [WrittenStream]) {
        var seen: [String: String] = [:]
        for s in streams {
            let d = s.definition
            let names = [("stream name", d.name, s.top["stream"]), ("source topic", d.sourceTopic, s.top["source_topic"]),
                         ("record type", d.recordType.rawValue, s.top["record_type"])]
            for (what, value, node) in names {
                let k = "\(what)=\(value)"
                if let other = seen[k] {
                    s.reader.issue(node, "\(what) \"\(value)\" is also used by \(other)")
                } else {
                    seen[k] = d.file
                }
            }
            for a in d.aggregates {
                let k = "table=\(a.table)"
                if let other = seen[k] {
                    s.reader.issue(s.aggregateNode(a.table), "aggregate table \"\(a.table)\" is also defined in \(other)")
                } else {
                    seen[k] = d.file
                }
            }
            for m in d.monitors {
                let k = "monitor=\(m.name)"
                if let other = seen[k] {
                    s.reader.issue(line: m.line, column: 3, "monitor \"\(m.name)\" is also defined in \(other)")
                } else {
                    seen[k] = d.file
                }
            }
        }
    }
}

/// SQL identifiers a steward may choose (tables, columns): lower case, digits, underscores.
func isPlainIdentifier(_ s: String) -> Bool {
    guard let first = s.utf8.first, (0x61...0x7A).contains(first) || first == 0x5F, s.utf8.count <= 48 else { return false }
    return s.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
}
