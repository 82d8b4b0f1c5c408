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

        // Code tables first: streams refer to them by name across files.
        var tables: [String: CodeTable] = [:]
        var tableFiles: [String: String] = [:]
        var streamNodes: [(YAMLReader, Node, [(key: String, keyNode: Node, value: Node)])] = []
        let topKeys: Set<String> = ["code_tables", "stream", "description", "owner", "record_type", "source_topic",
                                    "output_topic", "fields", "dialects", "aggregates"]
        for (reader, root) in parsed {
            let top = reader.mapping(root, "a topology file", allowedKeys: topKeys)
            for (name, keyNode, tableNode) in reader.mapping(top["code_tables"], "code_tables") {
                if let other = tableFiles[name] {
                    reader.issue(keyNode, "code table \"\(name)\" is already defined in \(other)")
                    continue
                }
                if let table = codeTable(name, tableNode, reader) {
                    tables[name] = table
                    tableFiles[name] = reader.file
                }
            }
            if top["stream"] != nil {
                streamNodes.append((reader, root, top))
            } else if top.contains(where: { $0.key != "code_tables" }) {
                reader.issue(root, "stream settings given without \"stream: NAME\"")
            }
        }

        var streams: [StreamDefinition] = []
        for (reader, root, top) in streamNodes {
            if let s = StreamParser(reader: reader, tables: tables).parse(root, top) { streams.append(s) }
        }
        checkAcrossStreams(streams, parsed.map(\.0), &issues)
        for (reader, _) in parsed { issues.append(contentsOf: reader.issues) }
        if !issues.isEmpty { throw TopologyError(issues: issues.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }) }
        return Topology(streams: streams, codeTables: tables, files: sources.map(\.file))
    }

    private static func yamlIssue(file: String, _ error: YamlError) -> TopologyIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return TopologyIssue(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)")
        default:
            return TopologyIssue(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    private static func codeTable(_ name: String, _ node: Node, _ reader: YAMLReader) -> CodeTable? {
        let entries = reader.mapping(node, "code table \"\(name)\"", allowedKeys: ["match", "codes"])
        var match = CodeTable.Match.exact
        if let m = entries["match"] {
            guard let s = m.scalar?.string, let parsed = CodeTable.Match(rawValue: s) else {
                reader.issue(m, "match must be \"exact\" or \"integer\"")
                return nil
            }
            match = parsed
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

    private static func checkAcrossStreams(_ streams: [StreamDefinition], _ readers: [YAMLReader], _ issues: inout [TopologyIssue]) {
        var seen: [String: String] = [:]
        for s in streams {
            for (what, value) in [("stream name", s.name), ("source topic", s.sourceTopic), ("record type", s.recordType.rawValue)] {
                let k = "\(what)=\(value)"
                if let other = seen[k] {
                    issues.append(TopologyIssue(file: s.file, line: 1, column: 1, message: "\(what) \"\(value)\" is also used by \(other)"))
                } else {
                    seen[k] = s.file
                }
            }
            for a in s.aggregates {
                let k = "table=\(a.table)"
                if let other = seen[k] {
                    issues.append(TopologyIssue(file: s.file, line: 1, column: 1, message: "aggregate table \"\(a.table)\" is also defined in \(other)"))
                } else {
                    seen[k] = s.file
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
