import HubCore
import Yams

/// One monitor's entries as a rule reads them: typed accessors that report every problem at
/// its `file:line:column`, and the stream's fields and record type the rule is checked against.
public struct MonitorParameters {
    let reader: YAMLReader
    let entries: [(key: String, keyNode: Node, value: Node)]
    let node: Node
    let what: String
    let fields: [FieldDefinition]
    let recordType: RecordType

    /// Reports a problem with the monitor as a whole (at its mapping).
    func issue(_ message: String) { reader.issue(node, message) }

    /// Reports a problem with the parameter `key` (at its value).
    func issue(at key: String, _ message: String) { reader.issue(entries[key], message) }

    func has(field name: String) -> Bool { fields.contains { $0.name == name } }

    func has(kind: FieldKind) -> Bool { fields.contains { $0.kind == kind } }

    func string(_ key: String, required: Bool = false) -> String? {
        guard let n = required ? reader.required(entries, key, in: node, what) : entries[key] else { return nil }
        return reader.string(n, key)
    }

    func int(_ key: String, required: Bool = false) -> Int? {
        guard let text = string(key, required: required) else { return nil }
        guard let v = Int(text) else {
            reader.issue(entries[key], "\(key) must be an integer")
            return nil
        }
        return v
    }

    func double(_ key: String) -> Double? {
        guard let text = string(key) else { return nil }
        guard let v = Double(text), v.isFinite else {
            reader.issue(entries[key], "\(key) must be a number")
            return nil
        }
        return v
    }

    /// A field of the stream, of one of `kinds`.
    func field(_ key: String, kinds: Set<FieldKind>) -> String? {
        guard let name = string(key, required: true) else { return nil }
        guard let f = fields.first(where: { $0.name == name }) else {
            reader.issue(entries[key], "\"\(name)\" is not a field of the stream")
            return nil
        }
        guard kinds.contains(f.kind) else {
            reader.issue(entries[key], "\"\(name)\" is a \(f.kind.rawValue) field; this rule needs " +
                         kinds.map(\.rawValue).sorted().joined(separator: " or "))
            return nil
        }
        return name
    }

    /// A non-empty list of fields of the stream.
    func fieldList(_ key: String) -> [String] {
        let nodes = reader.sequence(reader.required(entries, key, in: node, what), key)
        return nodes.compactMap { n in
            guard let name = reader.string(n, key) else { return nil }
            guard has(field: name) else {
                reader.issue(n, "\"\(name)\" is not a field of the stream")
                return nil
            }
            return name
        }
    }

    /// A list of scalars, each read by `read` or reported with `problem`.
    func list<T>(_ key: String, required: Bool = false, problem: String, _ read: (String) -> T?) -> [T] {
        let listNode = required ? (entries[key] ?? reader.required(entries, key, in: node, what)) : entries[key]
        return reader.sequence(listNode, key).compactMap { n -> T? in
            guard let v = n.scalar.flatMap({ read($0.string) }) else {
                reader.issue(n, problem)
                return nil
            }
            return v
        }
    }

    func weekdays(default fallback: [Int]) -> [Int] {
        let days = list("weekdays", problem: "weekdays are 1 (Monday) … 7 (Sunday)") { s in Int(s).flatMap { (1...7).contains($0) ? $0 : nil } }
        return days.isEmpty ? fallback : days
    }
}
