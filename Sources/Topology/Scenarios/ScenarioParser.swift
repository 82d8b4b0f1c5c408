import Foundation
import HubCore
import Yams

/// Reads `school_stages:` and `scenarios:`. Every problem is reported at its line: unknown
/// keys and kinds, parameters out of range, thresholds missing for a level or naming an
/// undeclared stage, an SQL indicator without a value form.
struct ScenarioParser {
    let reader: YAMLReader

    static let scenarioKeys: Set<String> = [
        "title", "definition", "indicator", "warn_when", "thresholds", "min_denominator", "severity", "owner",
    ]
    static let thresholdKeys: Set<String> = ["default", "province", "city", "county", "school"]

    func parseStages(_ node: Node?) -> [SchoolStage] {
        reader.mapping(node, "school_stages").compactMap { code, keyNode, value in
            if !isPlainIdentifier(code) { reader.issue(keyNode, "stage code \"\(code)\" must be lower-case letters, digits and _") }
            guard let name = localized(value, "stage \"\(code)\"") else { return nil }
            return SchoolStage(code: code, name: name)
        }
    }

    func parseScenarios(_ node: Node?, stages: Set<String>) -> [ScenarioDefinition] {
        reader.mapping(node, "scenarios").compactMap { name, keyNode, value in
            parseScenario(name, keyNode, value, stages: stages)
        }
    }

    private func parseScenario(_ name: String, _ keyNode: Node, _ node: Node, stages: Set<String>) -> ScenarioDefinition? {
        let what = "scenario \"\(name)\""
        if !isPlainIdentifier(name) { reader.issue(keyNode, "scenario name \"\(name)\" must be lower-case letters, digits and _") }
        let e = reader.mapping(node, what, allowedKeys: Self.scenarioKeys)
        let title = reader.required(e, "title", in: node, what).flatMap { localized($0, "title of \(what)") }
        let definition = reader.required(e, "definition", in: node, what).flatMap { localized($0, "definition of \(what)") }
        let owner = reader.required(e, "owner", in: node, what).flatMap { reader.string($0, "owner") }
        var severity = MonitorDefinition.Severity.warning
        if let s = e["severity"], let text = reader.string(s, "severity") {
            if let v = MonitorDefinition.Severity(rawValue: text) { severity = v } else {
                reader.issue(s, "severity must be one of: info, warning, critical")
            }
        }
        var comparison: ThresholdComparison?
        if let w = reader.required(e, "warn_when", in: node, what), let text = reader.string(w, "warn_when") {
            comparison = ThresholdComparison(rawValue: text)
            if comparison == nil {
                reader.issue(w, "warn_when must be one of: " + ThresholdComparison.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        var minDenominator = 1.0
        if let m = e["min_denominator"] {
            if let v = number(m, nil), v >= 0 { minDenominator = v } else { reader.issue(m, "min_denominator must be a number ≥ 0") }
        }
        let indicator = reader.required(e, "indicator", in: node, what).flatMap { parseIndicator($0, what) }
        let thresholdsNode = reader.required(e, "thresholds", in: node, what)
        guard let comparison, let thresholds = thresholdsNode.flatMap({ parseThresholds($0, comparison, stages: stages, what) }),
              let indicator, let title, let definition, let owner else { return nil }
        return ScenarioDefinition(
            name: name, title: title, definition: definition, indicator: indicator.indicator, form: indicator.form,
            rollup: indicator.rollup, unit: indicator.unit, comparesPreviousPeriod: indicator.comparesPrevious, thresholds: thresholds,
            minDenominator: minDenominator, severity: severity, owner: owner, file: reader.file, line: keyNode.mark?.line ?? 1)
    }

    private struct ParsedIndicator {
        var indicator: ScenarioIndicator
        var form: ScenarioValueForm
        var rollup: ScenarioRollup
        var unit: String
        var comparesPrevious: Bool
    }

    /// `{ kind: NAME, parameters… }` or `{ sql: …, value: FORM, rollup: …, unit: … }`.
    private func parseIndicator(_ node: Node, _ what: String) -> ParsedIndicator? {
        let e = reader.mapping(node, "indicator of \(what)")
        let hasKind = e["kind"] != nil, hasSQL = e["sql"] != nil
        guard hasKind != hasSQL else {
            reader.issue(node, "the indicator of \(what) needs either kind: (a built-in kind) or sql:, not \(hasKind ? "both" : "neither")")
            return nil
        }
        if hasSQL { return parseSQLIndicator(e, node, what) }
        guard let kindNode = e["kind"], let kind = reader.string(kindNode, "kind") else { return nil }
        guard let spec = ScenarioKinds.specs[kind] else {
            reader.issue(kindNode, "unknown indicator kind \"\(kind)\"; known: " + ScenarioKinds.names.joined(separator: ", ") + " (or sql:)")
            return nil
        }
        var values: [String: ScenarioParameterValue] = [:]
        var ok = true
        for (key, keyNode, value) in e where key != "kind" {
            guard let p = spec.parameters.first(where: { $0.name == key }) else {
                let known = spec.parameters.map(\.name)
                reader.issue(keyNode, "unknown parameter \"\(key)\" of kind \(kind)"
                             + (known.isEmpty ? " (it takes none)" : " (known: \(known.joined(separator: ", ")))"))
                ok = false
                continue
            }
            if let v = parameter(value, p) { values[key] = v } else { ok = false }
        }
        for p in spec.parameters where values[p.name] == nil {
            if let d = p.defaultValue {
                values[p.name] = d
            } else if ok {
                reader.issue(node, "kind \(kind) needs the parameter \"\(p.name)\"")
                ok = false
            }
        }
        guard ok else { return nil }
        return ParsedIndicator(indicator: .builtIn(kind: kind, parameters: values), form: spec.form, rollup: spec.rollup,
                               unit: spec.unit, comparesPrevious: spec.comparesPreviousPeriod)
    }

    private func parseSQLIndicator(_ e: [(key: String, keyNode: Node, value: Node)], _ node: Node, _ what: String) -> ParsedIndicator? {
        for (key, keyNode, _) in e where !["sql", "value", "rollup", "unit"].contains(key) {
            reader.issue(keyNode, "unknown key \"\(key)\" in an sql indicator (known: rollup, sql, unit, value)")
        }
        guard let sqlNode = e["sql"], let sql = reader.string(sqlNode, "sql") else { return nil }
        let body = sql.trimmingCharacters(in: CharacterSet(charactersIn: " \n\t\r;"))
        if body.contains(";") {
            reader.issue(sqlNode, "sql must be one query (no ;): it runs as a subquery returning school_code, numerator, denominator")
        }
        let lower = body.lowercased()
        if !(lower.hasPrefix("select") || lower.hasPrefix("with")) {
            reader.issue(sqlNode, "sql must be a SELECT (or WITH … SELECT) query")
        }
        var form: ScenarioValueForm?
        if let v = reader.required(e, "value", in: node, "an sql indicator"), let text = reader.string(v, "value") {
            form = ScenarioValueForm(rawValue: text)
            if form == nil { reader.issue(v, "value must be one of: " + ScenarioValueForm.allCases.map(\.rawValue).joined(separator: ", ")) }
        }
        var rollup = ScenarioRollup.sum
        if let r = e["rollup"], let text = reader.string(r, "rollup") {
            if let v = ScenarioRollup(rawValue: text) { rollup = v } else {
                reader.issue(r, "rollup must be one of: " + ScenarioRollup.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        guard let form else { return nil }
        var unit = [ScenarioValueForm.count: "count", .ratio: "ratio", .percent: "percent", .perHundred: "per_hundred",
                    .changePercent: "percent"][form] ?? "count"
        if let u = e["unit"], let text = reader.string(u, "unit") {
            if ScenarioKinds.units.contains(text) { unit = text } else {
                reader.issue(u, "unit must be one of: " + ScenarioKinds.units.sorted().joined(separator: ", "))
            }
        }
        return ParsedIndicator(indicator: .sql(query: body), form: form, rollup: rollup, unit: unit, comparesPrevious: false)
    }

    private func parameter(_ node: Node, _ p: ScenarioParameterSpec) -> ScenarioParameterValue? {
        switch p.type {
        case .integer(let range):
            guard let v = node.scalar.flatMap({ Int($0.string) }), range.contains(v) else {
                reader.issue(node, "\(p.name) must be an integer \(range.lowerBound)…\(range.upperBound)")
                return nil
            }
            return .number(Double(v))
        case .number(let range):
            guard let v = number(node, p.name), range.contains(v) else {
                reader.issue(node, "\(p.name) must be a number \(range.lowerBound)…\(range.upperBound)")
                return nil
            }
            return .number(v)
        case .choice(let values):
            guard let v = node.scalar?.string, values.contains(v) else {
                reader.issue(node, "\(p.name) must be one of: " + values.joined(separator: ", "))
                return nil
            }
            return .text(v)
        case .grades:
            let codes: Set<Int> = [11, 12, 13, 14, 15, 16, 21, 22, 23, 31, 32, 33]
            var out: [Double] = []
            for n in reader.sequence(node, p.name) {
                guard let v = n.scalar.flatMap({ Int($0.string) }), codes.contains(v) else {
                    reader.issue(n, "\(p.name) are standard grade codes (11–16, 21–23, 31–33)")
                    return nil
                }
                out.append(Double(v))
            }
            return .numbers(out)
        }
    }

    /// `thresholds:` per level (`default` for the rest); `school` may vary by stage.
    private func parseThresholds(_ node: Node, _ comparison: ThresholdComparison, stages: Set<String>, _ what: String) -> ScenarioThresholds? {
        let e = reader.mapping(node, "thresholds of \(what)", allowedKeys: Self.thresholdKeys)
        var ok = true
        var levels: [RegionLevel: ThresholdBounds] = [:]
        var perStage: [String: ThresholdBounds] = [:]
        var fallback: ThresholdBounds?
        if let d = e["default"] {
            fallback = bounds(d, comparison)
            ok = ok && fallback != nil
        }
        for level in RegionLevel.allCases {
            guard let n = e[level.rawValue] else { continue }
            if level == .school, case .mapping = n {
                var schoolDefault = fallback
                for (stage, stageKey, value) in reader.mapping(n, "school thresholds of \(what)") {
                    guard let b = bounds(value, comparison) else {
                        ok = false
                        continue
                    }
                    if stage == "default" {
                        schoolDefault = b
                    } else if stages.contains(stage) {
                        perStage[stage] = b
                    } else {
                        reader.issue(stageKey, "\"\(stage)\" is not a school stage (declared: \(stages.sorted().joined(separator: ", ")))")
                        ok = false
                    }
                }
                levels[.school] = schoolDefault
            } else if let b = bounds(n, comparison) {
                levels[level] = b
            } else {
                ok = false
            }
        }
        for level in RegionLevel.allCases where levels[level] == nil {
            if let fallback {
                levels[level] = fallback
            } else if ok {
                reader.issue(node, "the thresholds of \(what) give no value for \(level.rawValue) (add \(level.rawValue): or default:)")
                ok = false
            }
        }
        return ok ? ScenarioThresholds(comparison: comparison, levels: levels, schoolStages: perStage) : nil
    }

    /// A number, or `[low, high]` for `outside`.
    private func bounds(_ node: Node, _ comparison: ThresholdComparison) -> ThresholdBounds? {
        switch comparison {
        case .outside:
            guard case .sequence(let s) = node, s.count == 2, let lo = number(s[0], nil), let hi = number(s[1], nil), lo <= hi else {
                reader.issue(node, "warn_when: outside takes [low, high] with low ≤ high")
                return nil
            }
            return ThresholdBounds(lower: lo, upper: hi)
        case .above, .atLeast, .below, .atMost:
            guard let v = number(node, nil) else {
                reader.issue(node, "a threshold for warn_when: \(comparison.rawValue) is a number")
                return nil
            }
            return comparison == .above || comparison == .atLeast ? ThresholdBounds(lower: nil, upper: v) : ThresholdBounds(lower: v, upper: nil)
        }
    }

    /// A finite number; reports an issue naming `what` when one is given.
    private func number(_ node: Node, _ what: String?) -> Double? {
        guard let v = node.scalar.flatMap({ Double($0.string) }), v.isFinite else {
            if let what { reader.issue(node, "\(what) must be a number") }
            return nil
        }
        return v
    }

    private func localized(_ node: Node, _ what: String) -> LocalizedText? {
        let e = reader.mapping(node, what, allowedKeys: ["zh", "en"])
        let zh = reader.required(e, "zh", in: node, what).flatMap { reader.string($0, "zh") }
        let en = reader.required(e, "en", in: node, what).flatMap { reader.string($0, "en") }
        guard let zh, let en else { return nil }
        return LocalizedText(zh: zh, en: en)
    }
}
