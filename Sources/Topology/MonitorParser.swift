import HubCore
import Yams

/// Reads a stream's `monitors:` mapping. Each monitor names a `kind` (its quality
/// dimension) and, where the kind has several, a `rule`; the remaining keys are the rule's
/// parameters. Every problem is reported with its line.
extension StreamParser {
    static let monitorKeys: Set<String> = [
        "kind", "rule", "description", "severity", "threshold", "min_failed", "fields", "field", "pattern", "min", "max",
        "than", "tolerance", "reasons", "active_status", "scope", "max_lag_hours", "max_ahead_minutes", "deadline",
        "weekdays", "days", "min_baseline",
    ]

    /// kind → (dimension, its rules with the first as default).
    static let monitorKinds: [String: (MonitorDefinition.Dimension, [String])] = [
        "completeness": (.completeness, ["complete"]),
        "validity": (.validity, ["valid", "pattern", "range", "birth_matches_id", "age_for_grade", "age_range", "quarantine"]),
        "consistency": (.consistency, ["not_greater"]),
        "uniqueness": (.consistency, ["one_school_per_person", "unique_local_id"]),
        "referential": (.referential, ["county_matches_registry", "quarantine"]),
        "timeliness": (.timeliness, ["arrival_lag", "daily_report"]),
        "volume": (.volume, ["baseline"]),
    ]

    func parseMonitors(_ node: Node?, _ fields: [FieldDefinition], _ type: RecordType) -> [MonitorDefinition] {
        var out: [MonitorDefinition] = []
        for (name, keyNode, value) in reader.mapping(node, "monitors") {
            if !isPlainIdentifier(name) { reader.issue(keyNode, "monitor name \"\(name)\" must be lower-case letters, digits and _") }
            let e = reader.mapping(value, "monitor \"\(name)\"", allowedKeys: Self.monitorKeys)
            guard let kindNode = reader.required(e, "kind", in: value, "monitor \"\(name)\""),
                  let kind = reader.string(kindNode, "kind") else { continue }
            guard let (dimension, rules) = Self.monitorKinds[kind] else {
                reader.issue(kindNode, "unknown monitor kind \"\(kind)\"; known: " + Self.monitorKinds.keys.sorted().joined(separator: ", "))
                continue
            }
            let ruleName = e["rule"].flatMap { reader.string($0, "rule") } ?? rules[0]
            guard rules.contains(ruleName) else {
                reader.issue(e["rule"], "rule \"\(ruleName)\" is not a \(kind) rule; known: " + rules.joined(separator: ", "))
                continue
            }
            let p = MonitorParameters(reader: reader, entries: e, node: value, what: "monitor \"\(name)\"", fields: fields)
            guard let rule = parseRule(ruleName, p, type) else { continue }
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

    private func parseRule(_ rule: String, _ p: MonitorParameters, _ type: RecordType) -> MonitorDefinition.Rule? {
        switch rule {
        case "complete":
            let names = p.fieldList("fields")
            return names.isEmpty ? nil : .complete(fields: names)
        case "valid":
            guard let f = p.field("field", kinds: [.date, .code, .count, .timestamp]) else { return nil }
            return .valid(field: f)
        case "pattern":
            guard let f = p.field("field", kinds: [.text, .pseudonym]), let pattern = p.string("pattern", required: true) else { return nil }
            if (try? Regex(pattern)) == nil { p.reader.issue(p.entries["pattern"], "pattern is not a valid regular expression") }
            return .pattern(field: f, pattern: pattern)
        case "range":
            guard let f = p.field("field", kinds: [.count]), let lo = p.int("min", required: true), let hi = p.int("max", required: true) else {
                return nil
            }
            if lo > hi { p.reader.issue(p.entries["min"], "min must not exceed max") }
            return .range(field: f, min: Int64(lo), max: Int64(hi))
        case "not_greater":
            guard let f = p.field("field", kinds: [.count]), let g = p.field("than", kinds: [.count]) else { return nil }
            return .notGreater(field: f, than: g)
        case "birth_matches_id":
            guard p.fields.contains(where: { $0.name == "birth_date" }) else {
                p.reader.issue(p.node, "birth_matches_id needs the stream field birth_date")
                return nil
            }
            return .birthMatchesId
        case "age_for_grade":
            guard type == .student else {
                p.reader.issue(p.node, "age_for_grade applies to student streams")
                return nil
            }
            return .ageForGrade(tolerance: p.int("tolerance") ?? 1)
        case "age_range":
            guard type != .attendance else {
                p.reader.issue(p.node, "age_range needs an ID number: student or teacher streams")
                return nil
            }
            guard let lo = p.int("min", required: true), let hi = p.int("max", required: true) else { return nil }
            return .ageRange(min: lo, max: hi)
        case "county_matches_registry":
            guard let f = p.field("field", kinds: [.text]) else { return nil }
            return .countyMatchesRegistry(field: f)
        case "arrival_lag":
            return .arrivalLag(maxLagHours: p.int("max_lag_hours") ?? 72, maxAheadMinutes: p.int("max_ahead_minutes") ?? 5)
        case "quarantine":
            let reasons = p.reader.sequence(p.entries["reasons"] ?? p.reader.required(p.entries, "reasons", in: p.node, p.what), "reasons")
                .compactMap { n -> QuarantineReason? in
                    guard let r = n.scalar.flatMap({ QuarantineReason(rawValue: $0.string) }) else {
                        p.reader.issue(n, "unknown reason; known: " + QuarantineReason.allCases.map(\.rawValue).joined(separator: ", "))
                        return nil
                    }
                    return r
                }
            return reasons.isEmpty ? nil : .quarantine(reasons: reasons)
        case "one_school_per_person":
            guard type != .attendance else {
                p.reader.issue(p.node, "one_school_per_person applies to student or teacher streams")
                return nil
            }
            let codes = p.reader.sequence(p.entries["active_status"], "active_status").compactMap { n -> Int16? in
                guard let c = n.scalar.flatMap({ Int16($0.string) }) else {
                    p.reader.issue(n, "active_status codes must be integers")
                    return nil
                }
                return c
            }
            return .oneSchoolPerPerson(activeStatus: codes.isEmpty ? [1] : codes)
        case "unique_local_id":
            guard p.fields.contains(where: { $0.kind == .pseudonym }) else {
                p.reader.issue(p.node, "unique_local_id needs a registry/staff number field (kind pseudonym)")
                return nil
            }
            let scope = p.string("scope") ?? "province"
            guard scope == "province" || scope == "school" else {
                p.reader.issue(p.entries["scope"], "scope must be province or school")
                return nil
            }
            return .uniqueLocalId(perSchool: scope == "school")
        case "daily_report":
            let text = p.string("deadline") ?? "10:00"
            let parts = text.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, (0...23).contains(parts[0]), (0...59).contains(parts[1]) else {
                p.reader.issue(p.entries["deadline"], "deadline must be HH:MM (Beijing time)")
                return nil
            }
            return .dailyReport(deadlineMinutes: parts[0] * 60 + parts[1], weekdays: p.weekdays(default: [1, 2, 3, 4, 5]))
        case "baseline":
            let days = p.int("days") ?? 7
            if days < 1 || days > 90 { p.reader.issue(p.entries["days"], "days must be 1…90") }
            return .baseline(days: max(1, days), tolerance: p.double("tolerance") ?? 0.5, minBaseline: p.double("min_baseline") ?? 3,
                             weekdays: p.weekdays(default: Array(1...7)))
        default:
            return nil
        }
    }
}

/// A monitor's parameter entries with typed accessors that report problems.
struct MonitorParameters {
    let reader: YAMLReader
    let entries: [(key: String, keyNode: Node, value: Node)]
    let node: Node
    let what: String
    let fields: [FieldDefinition]

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

    func weekdays(default fallback: [Int]) -> [Int] {
        let days = reader.sequence(entries["weekdays"], "weekdays").compactMap { n -> Int? in
            guard let d = n.scalar.flatMap({ Int($0.string) }), (1...7).contains(d) else {
                reader.issue(n, "weekdays are 1 (Monday) … 7 (Sunday)")
                return nil
            }
            return d
        }
        return days.isEmpty ? fallback : days
    }

    func fieldList(_ key: String) -> [String] {
        let nodes = reader.sequence(reader.required(entries, key, in: node, what), key)
        return nodes.compactMap { n in
            guard let name = reader.string(n, key) else { return nil }
            guard fields.contains(where: { $0.name == name }) else {
                reader.issue(n, "\"\(name)\" is not a field of the stream")
                return nil
            }
            return name
        }
    }
}
