import HubCore
import Topology

/// Maps raw records of one stream onto the standard form, following the stream's topology:
/// dialect detection, then the checks of SPEC §4 in their order — `missing_field`,
/// `invalid_id_number`, `invalid_code`, `unknown_school` — each reporting the first field
/// (in the stream's field order) that fails.
///
/// Everything that depends only on the topology (which raw field feeds which standard field,
/// its code table or layout, the pseudonym domain) is resolved once per dialect, so the
/// per-record work is slot filling and the checks themselves.
public struct Standardizer: Sendable {
    public let stream: StreamDefinition
    private let pseudonymizer: Pseudonymizer
    private let plans: [DialectPlan]

    /// One standard field as one dialect supplies it, resolved for the per-record loop.
    final class FieldPlan: Sendable {
        /// Where a read value goes in the standard record.
        enum Target: Sendable { case gender, grade, status, expected, present, day, birthDay, className, localId, none }

        let name: String
        let kind: FieldKind
        let required: Bool
        let from: String
        /// `from` as UTF-8: raw field names are matched byte for byte (no Unicode
        /// normalisation per comparison, which dominated for the `zh` dialect).
        let fromUTF8: [UInt8]
        let codes: CodeTable?
        let format: DateTimePattern?
        /// The topology's plausible maximum of a count.
        let maximum: Int64
        let target: Target
        /// The pseudonym domain prefix for `.pseudonym` fields, e.g. `student.registry_no:`.
        let pseudonymPrefix: String

        init(_ definition: FieldDefinition, _ mapping: FieldMapping, recordType: RecordType) {
            name = definition.name
            kind = definition.kind
            required = definition.required
            from = mapping.from
            fromUTF8 = Array(mapping.from.utf8)
            codes = mapping.codes
            format = mapping.format
            maximum = definition.maximum ?? Int64.max
            pseudonymPrefix = "\(recordType.rawValue).\(definition.name):"
            switch (definition.kind, definition.name) {
            case (.code, "gender"): target = .gender
            case (.code, "grade"): target = .grade
            case (.code, "status"): target = .status
            case (.count, "expected"): target = .expected
            case (.count, "present"): target = .present
            case (.date, "date"): target = .day
            case (.date, _): target = .birthDay
            case (.text, "class_name"): target = .className
            case (.pseudonym, _): target = .localId
            default: target = .none
            }
        }
    }

    /// A dialect with its fields resolved in check order.
    struct DialectPlan: Sendable {
        var dialect: Dialect
        var fields: [FieldPlan]
        var monitors: RecordMonitors
        /// A required stream field this dialect does not map at all (every record misses it).
        var unmappedRequired: String?
        var schoolIndex: Int?
    }

    public init(stream: StreamDefinition, pseudonymizer: Pseudonymizer) {
        self.stream = stream
        self.pseudonymizer = pseudonymizer
        self.plans = stream.dialects.map { d in
            let fields = stream.fields.compactMap { f in d.mappings[f.name].map { FieldPlan(f, $0, recordType: stream.recordType) } }
            return DialectPlan(dialect: d, fields: fields, monitors: RecordMonitors(stream: stream, fieldNames: fields.map(\.name)),
                               unmappedRequired: stream.fields.first { $0.required && d.mappings[$0.name] == nil }?.name,
                               schoolIndex: fields.firstIndex { $0.kind == .school })
        }
    }

    /// Standardises `record` of the raw message at `source` (row 0), reading the registry as of
    /// `registryAsOfMs`.
    public func standardize(_ record: RawRecord, source: SourcePosition, registryAsOfMs: Int64,
                            registry: SchoolRegistry, replayed: Bool = false, sourceTimestampMs: Int64 = 0) -> StandardizationOutcome {
        guard let plan = dialect(of: record) else {
            let names = plans.map(\.dialect.schoolField).joined(separator: " / ")
            return .quarantine(reason: .missingField, field: plans.first?.dialect.schoolField,
                               detail: "no school code field (\(names)): dialect unknown", schoolCode: nil)
        }
        let fields = plan.fields
        // The raw value of each dialect field; a repeated name keeps its last value.
        var raws = [RawValue?](repeating: nil, count: fields.count)
        for f in record.fields {
            for j in fields.indices where Self.named(f.name, fields[j].fromUTF8) { raws[j] = f.value }
        }
        var texts: [String?] = raws.map { $0.flatMap(Self.text(of:)) }
        let schoolCode = plan.schoolIndex.flatMap { texts[$0] }

        // 0. Text that is stored must be text PostgreSQL can hold and index.
        for j in fields.indices where fields[j].kind == .text {
            guard let text = texts[j], let problem = StoredText.problem(text) else { continue }
            if fields[j].required {
                return .quarantine(reason: .malformed, field: fields[j].from, detail: "\(fields[j].name) \(problem)",
                                   schoolCode: schoolCode)
            }
            texts[j] = nil
        }

        // 1. Required fields present.
        for j in fields.indices where fields[j].required && texts[j] == nil {
            return .quarantine(reason: .missingField, field: fields[j].from,
                               detail: "required field \(fields[j].name) is absent, null or blank", schoolCode: schoolCode)
        }
        if let missing = plan.unmappedRequired {
            return .quarantine(reason: .missingField, field: missing, detail: "dialect \(plan.dialect.name) has no \(missing)",
                               schoolCode: schoolCode)
        }
        let presentTexts = texts

        // 2. ID numbers.
        var personCode: Digest32?
        var canonicalId: String?
        for j in fields.indices where fields[j].kind == .idNumber {
            guard let text = texts[j] else { continue }
            if let canonical = IdNumber.canonical(text) {
                canonicalId = canonical
                personCode = pseudonymizer.personCode(canonicalId: canonical)
            } else if fields[j].required {
                return .quarantine(reason: .invalidIdNumber, field: fields[j].from,
                                   detail: "not a valid GB 11643 ID number", schoolCode: schoolCode)
            } else {
                texts[j] = nil
            }
        }

        // 3. Codes, counts, dates and times.
        var out = StandardRecord(type: stream.recordType, key: Digest32(w0: 0, w1: 0, w2: 0, w3: 0), schoolCode: schoolCode ?? "", countyCode: "",
                                 updatedAtMicros: 0, position: source, replayed: replayed, sourceTimestampMs: sourceTimestampMs)
        for j in fields.indices {
            guard let text = texts[j] else { continue }
            let f = fields[j]
            let raw = raws[j] ?? .null
            var invalid: String?
            switch f.kind {
            case .code:
                if !Self.isNumberLike(raw), let table = f.codes, let code = table.code(for: text) {
                    assign(code, to: f.target, &out)
                } else {
                    invalid = "\(f.name) value not in code table \(f.codes?.name ?? "?")"
                }
            case .count:
                if let n = Self.count(raw, text), n <= f.maximum {
                    assign(n, to: f.target, &out)
                } else {
                    invalid = f.maximum == Int64.max ? "\(f.name) is not a non-negative integer"
                        : "\(f.name) is not a non-negative integer up to \(f.maximum)"
                }
            case .date:
                if !Self.isNumberLike(raw), let d = f.format?.date(text) {
                    if f.target == .day { out.day = Int32(d.daysSinceEpoch) } else { out.birthDay = Int32(d.daysSinceEpoch) }
                } else {
                    invalid = "\(f.name) is not a real date in layout \(f.format?.description ?? "?")"
                }
            case .timestamp:
                if !Self.isNumberLike(raw), let t = f.format?.timestampMicros(text), CalendarDate.isSupported(micros: t) {
                    out.updatedAtMicros = t
                } else {
                    invalid = "\(f.name) is not a real time in layout \(f.format?.description ?? "?")"
                }
            case .text:
                if f.target == .className { out.className = text }
            case .pseudonym:
                out.localIdCode = pseudonymizer.pseudonym(prefixed: f.pseudonymPrefix, text)
            case .school, .idNumber, .personal:
                break
            }
            if let invalid {
                if f.required {
                    return .quarantine(reason: .invalidCode, field: f.from, detail: invalid, schoolCode: schoolCode)
                }
                texts[j] = nil
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
            out.key = StandardRecord.attendanceKey(school: schoolCode, day: out.day ?? 0, grade: out.grade ?? 0,
                                                   className: out.className ?? "")
        }
        if !plan.monitors.isEmpty {
            (out.qualityChecked, out.qualityFailed) = plan.monitors.evaluate(
                RecordMonitors.View(present: presentTexts, valid: texts, canonicalId: canonicalId, record: out))
        }
        return .standard(out)
    }

    /// Whether a raw field's name is `bytes`: lengths first (most names differ there), then
    /// the bytes in place.
    @inline(__always)
    static func named(_ name: String, _ bytes: [UInt8]) -> Bool {
        let utf8 = name.utf8
        guard utf8.count == bytes.count else { return false }
        return utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) } ?? utf8.elementsEqual(bytes)
    }

    /// The first dialect (in topology order) whose school-code field the record carries.
    private func dialect(of record: RawRecord) -> DialectPlan? {
        for p in plans {
            guard let i = p.schoolIndex else { continue }
            let name = p.fields[i].fromUTF8
            if record.fields.contains(where: { Self.named($0.name, name) }) { return p }
        }
        return nil
    }

    private func assign(_ code: Int16, to target: FieldPlan.Target, _ out: inout StandardRecord) {
        switch target {
        case .gender: out.gender = code
        case .grade: out.grade = code
        case .status: out.status = code
        default: break
        }
    }

    private func assign(_ n: Int64, to target: FieldPlan.Target, _ out: inout StandardRecord) {
        switch target {
        case .expected: out.expected = n
        case .present: out.present = n
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
