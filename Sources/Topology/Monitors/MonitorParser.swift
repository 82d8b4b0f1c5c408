import HubCore
import Yams

/// Reads a stream's `monitors:` mapping. Each monitor names a `kind` (its quality dimension)
/// and, where the kind has several, a `rule` (``MonitorRuleRegistry``); the remaining keys are
/// the rule's parameters, read by the rule itself. Every problem is reported with its line.
extension StreamParser {
    func parseMonitors(_ node: Node?, _ fields: [FieldDefinition], _ type: RecordType) -> [MonitorDefinition] {
        var out: [MonitorDefinition] = []
        for (name, keyNode, value) in reader.mapping(node, "monitors") {
            if !isPlainIdentifier(name) { reader.issue(keyNode, "monitor name \"\(name)\" must be lower-case letters, digits and _") }
            let e = reader.mapping(value, "monitor \"\(name)\"", allowedKeys: MonitorRuleRegistry.monitorKeys)
            let p = MonitorParameters(reader: reader, entries: e, node: value, what: "monitor \"\(name)\"", fields: fields, recordType: type)
            guard let (dimension, ruleType) = kindAndRule(p) else { continue }
            // A key of another rule (one the mapping accepted) would be ignored without a word.
            for (key, keyNode, _) in e where !MonitorRuleRegistry.commonKeys.contains(key) && !ruleType.parameters.contains(key)
                && MonitorRuleRegistry.monitorKeys.contains(key) {
                let own = ruleType.parameters.isEmpty ? "none" : ruleType.parameters.joined(separator: ", ")
                reader.issue(keyNode, "\"\(key)\" is not a parameter of rule \"\(ruleType.name)\" (its parameters: \(own))")
            }
            guard let rule = ruleType.parse(p) else { continue }
            var severity = MonitorDefinition.Severity.warning
            if let s = e["severity"], let text = reader.string(s, "severity") {
                if let v = MonitorDefinition.Severity(rawValue: text) { severity = v } else {
                    reader.issue(s, "severity must be one of: info, warning, critical")
                }
            }
            let threshold = p.double("threshold") ?? 0
            if threshold < 0 || threshold >= 1 { reader.issue(e["threshold"], "threshold is a failure rate in [0, 1)") }
            let minFailed = p.int("min_failed") ?? 1
            if out.count >= 64 { reader.issue(keyNode, "a stream has at most 64 monitors") }
            out.append(MonitorDefinition(
                name: name, description: e["description"].flatMap { reader.string($0, "description") } ?? "",
                dimension: dimension, severity: severity, threshold: threshold, minFailed: max(1, minFailed), recordType: type,
                rule: rule, line: (keyNode.mark?.line ?? 0)))
        }
        return out
    }

    /// The monitor's kind (as its dimension) and rule, or nil after reporting why not.
    private func kindAndRule(_ p: MonitorParameters) -> (MonitorDefinition.Dimension, any MonitorRule.Type)? {
        guard let kindNode = reader.required(p.entries, "kind", in: p.node, p.what),
              let kind = reader.string(kindNode, "kind") else { return nil }
        guard let dimension = MonitorRuleRegistry.kinds[kind] else {
            reader.issue(kindNode, "unknown monitor kind \"\(kind)\"; known: " + MonitorRuleRegistry.kinds.keys.sorted().joined(separator: ", "))
            return nil
        }
        let rules = MonitorRuleRegistry.rules(ofKind: kind)
        let ruleName = p.entries["rule"].flatMap { reader.string($0, "rule") } ?? rules.first?.name ?? ""
        guard let rule = rules.first(where: { $0.name == ruleName }) else {
            reader.issue(p.entries["rule"], "rule \"\(ruleName)\" is not a \(kind) rule; known: " + rules.map { $0.name }.joined(separator: ", "))
            return nil
        }
        return (dimension, rule)
    }
}
