import Yams

/// Walks a composed YAML document and collects issues with their file and line, so the
/// loader can report every problem in one pass instead of stopping at the first.
final class YAMLReader {
    let file: String
    private(set) var issues: [TopologyIssue] = []

    init(file: String) { self.file = file }

    func issue(_ node: Node?, _ message: String) {
        let mark = node?.mark
        issues.append(TopologyIssue(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    func issue(line: Int, column: Int, _ message: String) {
        issues.append(TopologyIssue(file: file, line: line, column: column, message: message))
    }

    /// The entries of a mapping in document order, with duplicate and unknown keys reported.
    func mapping(_ node: Node?, _ what: String, allowedKeys: Set<String>? = nil) -> [(key: String, keyNode: Node, value: Node)] {
        guard let node else { return [] }
        guard case .mapping(let mapping) = node else {
            issue(node, "\(what) must be a mapping")
            return []
        }
        var seen: Set<String> = []
        var out: [(String, Node, Node)] = []
        for (k, v) in mapping {
            guard let key = k.scalar?.string else {
                issue(k, "\(what) keys must be plain text")
                continue
            }
            if !seen.insert(key).inserted {
                issue(k, "duplicate key \"\(key)\" in \(what)")
                continue
            }
            if let allowedKeys, !allowedKeys.contains(key) {
                let known = allowedKeys.sorted().joined(separator: ", ")
                issue(k, "unknown key \"\(key)\" in \(what) (known: \(known))")
                continue
            }
            out.append((key, k, v))
        }
        return out
    }

    func string(_ node: Node?, _ what: String) -> String? {
        guard let node else { return nil }
        guard let s = node.scalar?.string, !s.isEmpty else {
            issue(node, "\(what) must be non-empty text")
            return nil
        }
        return s
    }

    func bool(_ node: Node?, _ what: String) -> Bool? {
        guard let node else { return nil }
        switch node.scalar?.string {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            issue(node, "\(what) must be true or false")
            return nil
        }
    }

    func sequence(_ node: Node?, _ what: String) -> [Node] {
        guard let node else { return [] }
        switch node {
        case .sequence(let s): return Array(s)
        case .scalar: return [node]
        default:
            issue(node, "\(what) must be a list")
            return []
        }
    }

    func required(_ entries: [(key: String, keyNode: Node, value: Node)], _ key: String, in parent: Node?, _ what: String) -> Node? {
        if let e = entries.first(where: { $0.key == key }) { return e.value }
        issue(parent, "\(what) is missing \"\(key)\"")
        return nil
    }
}

extension Array where Element == (key: String, keyNode: Node, value: Node) {
    subscript(_ key: String) -> Node? { first { $0.key == key }?.value }
}
