import ArgumentParser
import Foundation
import Topology

/// `hubctl topology graph`: the stream stages (raw topic → Ingest → Transform with its dialects
/// → standard-zone topic → Sink → aggregate tables) and each DAG's tasks with their
/// dependencies, as Mermaid or Graphviz DOT.
struct TopologyGraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "Draw the topology's stream stages as Mermaid (default) or Graphviz DOT.")

    @Option(name: .long, help: "Topology directory. Env HUB_TOPOLOGY_DIR. Default ./Topologies.")
    var topology: String?
    @Option(name: .long, help: "Output format: mermaid or dot. Default mermaid.")
    var format = "mermaid"

    func run() async throws {
        let dir = topology ?? ProcessInfo.processInfo.environment["HUB_TOPOLOGY_DIR"] ?? "Topologies"
        let t: Topology
        do {
            t = try TopologyLoader.load(directory: dir)
        } catch {
            say("\(error)")
            throw ExitCode(1)
        }
        switch format {
        case "mermaid": say(Self.mermaid(t))
        case "dot": say(Self.dot(t))
        default: throw ValidationError("format must be mermaid or dot")
        }
    }

    /// Nodes and edges shared by both renderings.
    static func edges(_ t: Topology) -> (nodes: [(id: String, label: String, shape: String)], edges: [(String, String, String)]) {
        var nodes: [(String, String, String)] = [("ingest", "hub-ingest", "process"), ("transform", "hub-transform", "process"),
                                                 ("sink", "hub-sink", "process"), ("registry", "ref.school", "topic"),
                                                 ("dlq", "hub.quarantine (dead letters)", "topic"), ("ingested", "hub.ingested", "topic")]
        var edges: [(String, String, String)] = [("ingest", "ingested", ""), ("ingested", "transform", ""),
                                                 ("registry", "transform", "as of message time"),
                                                 ("ingest", "dlq", "too_large, malformed"),
                                                 ("transform", "dlq", "missing_field … unknown_school"), ("dlq", "sink", "")]
        nodes.append(("quarantine_counts", "quarantine_counts", "table"))
        edges.append(("sink", "quarantine_counts", ""))
        for s in t.streams {
            let raw = "raw_\(s.name)", std = "std_\(s.name)"
            nodes.append((raw, s.sourceTopic, "topic"))
            nodes.append((std, s.outputTopic, "topic"))
            edges.append((raw, "ingest", ""))
            edges.append(("transform", std, "dialects: " + s.dialects.map(\.name).joined(separator: ", ")))
            edges.append((std, "sink", ""))
            for a in s.aggregates {
                nodes.append(("agg_\(a.table)", a.table, "table"))
                edges.append(("sink", "agg_\(a.table)", a.levels.map(\.rawValue).joined(separator: "/")))
            }
        }
        for dag in t.dags {
            for task in dag.tasks {
                nodes.append(("dag_\(dag.name)_\(task.name)", "\(dag.name): \(task.name) (\(task.type))", "task"))
                for dep in task.dependsOn {
                    edges.append(("dag_\(dag.name)_\(dep)", "dag_\(dag.name)_\(task.name)", ""))
                }
            }
        }
        return (nodes.map { (id: $0.0, label: $0.1, shape: $0.2) }, edges)
    }

    static func mermaid(_ t: Topology) -> String {
        let (nodes, edges) = edges(t)
        var lines = ["flowchart LR"]
        for n in nodes {
            switch n.shape {
            case "process": lines.append("  \(n.id)[[\"\(n.label)\"]]")
            case "table": lines.append("  \(n.id)[(\"\(n.label)\")]")
            case "task": lines.append("  \(n.id){{\"\(n.label)\"}}")
            default: lines.append("  \(n.id)([\"\(n.label)\"])")
            }
        }
        for (from, to, label) in edges {
            lines.append(label.isEmpty ? "  \(from) --> \(to)" : "  \(from) -- \"\(label)\" --> \(to)")
        }
        return lines.joined(separator: "\n")
    }

    static func dot(_ t: Topology) -> String {
        let (nodes, edges) = edges(t)
        var lines = ["digraph eduhub {", "  rankdir=LR;"]
        for n in nodes {
            let shapes = ["process": "box", "table": "cylinder", "task": "hexagon"]
            let shape = shapes[n.shape] ?? "ellipse"
            lines.append("  \(n.id) [label=\"\(n.label)\", shape=\(shape)];")
        }
        for (from, to, label) in edges {
            lines.append(label.isEmpty ? "  \(from) -> \(to);" : "  \(from) -> \(to) [label=\"\(label)\"];")
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
