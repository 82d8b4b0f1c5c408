import HubCore
import Topology

/// Maps raw records of one stream onto the standard form, following the stream's topology:
/// dialect detection, then the checks of SPEC §4 in their order — `missing_field`,
/// `invalid_id_number`, `invalid_code`, `unknown_school` — each reporting the first field
/// (in the stream's field order) that fails.
public struct Standardizer: Sendable {
    public let stream: StreamDefinition
    private let pseudonymizer: Pseudonymizer
    private let plans: [DialectPlan]

    /// A dialect with its fields resolved in check order.
    struct DialectPlan: Sendable {
        var dialect: Dialect
        var fields: [(definition: FieldDefinition, mapping: FieldMapping)]
        var monitors: RecordMonitors
    }

    public init(stream: StreamDefinition, pseudonymizer: Pseudonymizer) {
        self.stream = stream
        self.pseudonymizer = pseudonymizer
        self.plans = stream.dialects.map { d in
            let fields = stream.fields.compactMap { f in d.mappings[f.name].map { (f, $0) } }
            return DialectPlan(dialect: d, fields: fields, monitors: RecordMonitors(stream: stream, fieldNames: fields.map(\.0.name)))
        }
    }

    /// Standardises `record` of the raw message at `source` (row 0), reading the registry as of
    /// `registryAsOfMs`.
    public func standardize(_ record: RawRecord, source: SourcePosition, registryAsOfMs: Int64,
                            registry: SchoolRegistry, replayed: Bool = false, sourceTimestampMs: Int64 = 0) -> StandardizationOutcome {
        var values: [String: RawValue] = [:]
        values.reserveCapacity(record.fields.count)
        for f in record.fields { values[f.name] = f.value }

        guard let plan = plans.first(where: { values[$0.dialect.schoolField] != nil }) else {
            let names = plans.map(\.dialect.schoolField).joined(separator: " / ")
            return .quarantine(reason: .missingField, field: plans.first?.dialect.schoolField,
                               detail: "no school code field (\(names)): dialect unknown", schoolCode: nil)
        }
        var texts: [String?] = plan.fields.map { values[$0.mapping.from].flatMap(Self.text(of:)) }
        let schoolIndex = plan.fields.firstIndex { $0.definition.kind == .school }
        let schoolCode = schoolIndex.flatMap { texts[$0] }

        // 1. Required fields present.
        for (i, f) in plan.fields.enumerated() where f.definition.required && texts[i] == nil {
            return .quarantine(reason: .missingField, field: f.mapping.from,
                               detail: "required field \(f.definition.name) is absent, null or blank", schoolCode: schoolCode)
        }
        for f in stream.fields where f.required && plan.dialect.mappings[f.name] == nil {
            return .quarantine(reason: .missingField, field: f.name, detail: "dialect \(plan.dialect.name) has no \(f.name)",
                               schoolCode: schoolCode)
        }

        let presentTexts = texts

        // 2. ID numbers.
        var personCode: String?
        var canonicalId: String?
        for (i, f) in plan.fields.enumerated() where f.definition.kind == .idNumber {
            guard let text = texts[i] else { continue }
            if let canonical = IdNumber.canonical(text) {
                canonicalId = canonical
                personCode = pseudonymizer.personCode(canonicalId: canonical)
            } else if f.definition.required {
                return .quarantine(reason: .invalidIdNumber, field: f.mapping.from,
                                   detail: "not a valid GB 11643 ID number", schoolCode: schoolCode)
            } else {
                texts[i] = nil
            }
        }

        // 3. Codes, counts, dates and times.
        var out = StandardRecord(type: stream.recordType, key: "", schoolCode: schoolCode ?? "", countyCode: "",
                                 updatedAtMicros: 0, position: source, replayed: replayed, sourceTimestampMs: sourceTimestampMs)
        var dateDay: Int32?
        for (i, f) in plan.fields.enumerated() {
            guard let text = texts[i] else { continue }
            let raw = values[f.mapping.from] ?? .null
            let def = f.definition
            var invalid: String?
            switch def.kind {
            case .code:
                let lookup: String? = Self.isNumberLike(raw) ? nil : text
                if let table = f.mapping.codes, let lookup, let code = table.code(for: lookup) {
                    assign(code, to: def.name, &out)
                } else {
                    invalid = "\(def.name) value not in code table \(f.mapping.codes?.name ?? "?")"
                }
            case .count:
                if let n = Self.count(raw, text) { assign(n, to: def.name, &out) } else { invalid = "\(def.name) is not a non-negative integer" }
            case .date:
                if !Self.isNumberLike(raw), let d = f.mapping.format?.date(text) {
                    if def.name == "date" { dateDay = Int32(d.daysSinceEpoch); out.day = dateDay } else { out.birthDay = Int32(d.daysSinceEpoch) }
                } else {
                    invalid = "\(def.name) is not a real date in layout \(f.mapping.format?.description ?? "?")"
                }
            case .timestamp:
                if !Self.isNumberLike(raw), let t = f.mapping.format?.timestampMicros(text) {
                    out.updatedAtMicros = t
                } else {
                    invalid = "\(def.name) is not a real time in layout \(f.mapping.format?.description ?? "?")"
                }
            case .text:
                if def.name == "class_name" { out.className = text }
            case .pseudonym:
                out.localIdCode = pseudonymizer.pseudonym(domain: "\(stream.recordType.rawValue).\(def.name)", text)
            case .school, .idNumber, .personal:
                break
            }
            if let invalid {
                if def.required {
                    return .quarantine(reason: .invalidCode, field: f.mapping.from, detail: invalid, schoolCode: schoolCode)
                }
                texts[i] = nil
            }
        }

        // 4. The school, in the registry as of the raw message's time.
        guard let schoolCode, let county = registry.county(of: schoolCode, asOf: registryAsOfMs) else {
            return .quarantine(reason: .unknownSchool, field: plan.dialect.schoolField,
                               detail: "school not in the registry as of the message time", schoolCode: schoolCode)
        }
        out.countyCode = county
        switch stream.recordType {
        case .student, .teacher:
            guard let personCode else {
                return .quarantine(reason: .missingField, field: "id_number", detail: "no ID number", schoolCode: schoolCode)
            }
            out.key = personCode
        case .attendance:
            out.key = [schoolCode, String(dateDay ?? 0), String(out.grade ?? 0), out.className ?? ""].joined(separator: "\u{1F}")
        }
        if !plan.monitors.isEmpty {
            (out.qualityChecked, out.qualityFailed) = plan.monitors.evaluate(
                RecordMonitors.View(present: presentTexts, valid: texts, canonicalId: canonicalId, record: out))
        }
        return .standard(out)
    }

    private func assign(_ code: Int16, to field: String, _ out: inout StandardRecord) {
        switch field {
        case "gender": out.gender = code
        case "grade": out.grade = code
        case "status": out.status = code
        default: break
        }
    }

    private func assign(_ n: Int64, to field: String, _ out: inout StandardRecord) {
        switch field {
        case "expected": out.expected = n
        case "present": out.present = n
        default: break
        }
    }

    /// The trimmed text of a value; nil when absent, null or blank (SPEC §2: missing).
    static func text(of value: RawValue) -> String? {
        let s: String
        switch value {
        case .null: return nil
        case .string(let v): s = v.trimmingASCIIWhitespace()
        case .integer(let v), .number(let v), .composite(let v): s = v
        case .bool(let b): s = b ? "true" : "false"
        }
        return s.isEmpty ? nil : s
    }

    /// JSON numbers with a fraction or exponent, booleans, arrays and objects are never a
    /// valid code, count, date or time.
    static func isNumberLike(_ value: RawValue) -> Bool {
        switch value {
        case .number, .bool, .composite: return true
        default: return false
        }
    }

    static func count(_ value: RawValue, _ text: String) -> Int64? {
        switch value {
        case .integer, .string: return CodeTable.nonNegativeInteger(text)
        default: return nil
        }
    }
}
