import HubCore
import HubCrypto
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

    /// A dialect with its fields resolved in check order. A class: each record takes its plan,
    /// and a struct of arrays, strings and a dictionary cost a retain and a release of each of
    /// them per record (a profile of Transform had them among the standardiser's own ARC calls).
    final class DialectPlan: Sendable {
        let dialect: Dialect
        let fields: [FieldPlan]
        let monitors: RecordMonitors
        /// A required stream field this dialect does not map at all (every record misses it).
        let unmappedRequired: String?
        let schoolIndex: Int?
        /// No two fields of the dialect read the same raw name, so a raw field fills at most one.
        let distinctSources: Bool

        init(dialect: Dialect, fields: [FieldPlan], monitors: RecordMonitors, unmappedRequired: String?,
             schoolIndex: Int?, distinctSources: Bool) {
            self.dialect = dialect
            self.fields = fields
            self.monitors = monitors
            self.unmappedRequired = unmappedRequired
            self.schoolIndex = schoolIndex
            self.distinctSources = distinctSources
        }
    }

    public init(stream: StreamDefinition, pseudonymizer: Pseudonymizer) {
        self.stream = stream
        self.pseudonymizer = pseudonymizer
        self.plans = stream.dialects.map { d in
            let fields = stream.fields.compactMap { f in d.mappings[f.name].map { FieldPlan(f, $0, recordType: stream.recordType) } }
            return DialectPlan(dialect: d, fields: fields, monitors: RecordMonitors(stream: stream, fieldNames: fields.map(\.name)),
                               unmappedRequired: stream.fields.first { $0.required && d.mappings[$0.name] == nil }?.name,
                               schoolIndex: fields.firstIndex { $0.kind == .school },
                               distinctSources: Set(fields.map(\.fromUTF8)).count == fields.count)
        }
    }

    /// Standardises `record` of the raw message at `source` (row 0), reading the registry as of
    /// `registryAsOfMs`.
    public func standardize(_ record: RawRecord, source: SourcePosition, registryAsOfMs: Int64,
                            registry: SchoolRegistry, replayed: Bool = false, sourceTimestampMs: Int64 = 0)
        throws(CryptoError) -> StandardizationOutcome {
        guard let plan = dialect(of: record) else {
            let names = plans.map(\.dialect.schoolField).joined(separator: " / ")
            return .quarantine(reason: .missingField, field: plans.first?.dialect.schoolField,
                               detail: "no school code field (\(names)): dialect unknown", schoolCode: nil)
        }
        let fields = plan.fields
        var (texts, numberLike) = Self.fieldTexts(of: record, plan)
        let schoolCode = plan.schoolIndex.flatMap { texts[$0] }
        do throws(Rejection) {
            try Self.checkPresence(plan, &texts)
            // The invalid optional values are dropped after the loops, and only if there are
            // any: `texts` shares its storage with `presentTexts`, and a write inside a loop
            // made every record copy the array (the uniqueness check is hoisted out of it).
            let presentTexts = texts
            var dropped: [Int] = []
            let (personCode, canonicalId, idBirthDate) = try identify(fields, texts, dropping: &dropped)
            var out = StandardRecord(type: stream.recordType, key: Digest32(w0: 0, w1: 0, w2: 0, w3: 0), schoolCode: schoolCode ?? "",
                                     countyCode: "", updatedAtMicros: 0, position: source, replayed: replayed,
                                     sourceTimestampMs: sourceTimestampMs)
            for j in fields.indices {
                guard let text = texts[j], !dropped.contains(j) else { continue }
                if try !read(text, numberLike: numberLike.contains(j), fields[j], into: &out) {
                    if fields[j].required { throw Rejection(.invalidCode, fields[j].from, invalidDetail(fields[j])) }
                    dropped.append(j)
                }
            }
            if !dropped.isEmpty { for j in dropped { texts[j] = nil } }
            try locate(&out, plan, schoolCode, registry, registryAsOfMs, personCode)
            guard !plan.monitors.isEmpty else { return .standard(out) }
            // The record moves into the monitors' view and back out: copying it retained and
            // released each of its strings for every record.
            var view = MonitorRecordView(present: presentTexts, valid: texts, canonicalId: canonicalId, record: consume out,
                                         idBirthDate: idBirthDate)
            (view.record.qualityChecked, view.record.qualityFailed) = plan.monitors.evaluate(view)
            return .standard(view.record)
        } catch {
            // libcrypto failed keying the record: not the record's fault, so no quarantine.
            if let failure = error.failure { throw failure }
            return .quarantine(reason: error.reason, field: error.field, detail: error.detail, schoolCode: schoolCode)
        }
    }

    /// Why a record is quarantined: thrown by the steps of ``standardize``, which adds the
    /// school code. Typed, so a rejection costs no allocation beyond its text.
    struct Rejection: Error {
        var reason: QuarantineReason
        var field: String?
        var detail: String
        /// Set when libcrypto failed (the person code or a pseudonym): rethrown, never quarantined.
        var failure: CryptoError?

        init(_ reason: QuarantineReason, _ field: String?, _ detail: String) {
            self.reason = reason
            self.field = field
            self.detail = detail
        }

        init(failure: CryptoError) {
            self.init(.malformed, nil, failure.description)
            self.failure = failure
        }
    }

    /// Steps 0 and 1: stored text must be text PostgreSQL can hold and index (an optional one
    /// that is not is dropped); then every required field is present.
    private static func checkPresence(_ plan: DialectPlan, _ texts: inout [String?]) throws(Rejection) {
        let fields = plan.fields
        for j in fields.indices where fields[j].kind == .text {
            guard let text = texts[j], let problem = StoredText.problem(text) else { continue }
            if fields[j].required { throw Rejection(.malformed, fields[j].from, "\(fields[j].name) \(problem)") }
            texts[j] = nil
        }
        for j in fields.indices where fields[j].required && texts[j] == nil {
            throw Rejection(.missingField, fields[j].from, "required field \(fields[j].name) is absent, null or blank")
        }
        if let missing = plan.unmappedRequired {
            throw Rejection(.missingField, missing, "dialect \(plan.dialect.name) has no \(missing)")
        }
    }

    /// Step 2: the ID number and the person code keyed from it; an invalid optional one is
    /// added to `dropped`.
    private func identify(_ fields: [FieldPlan], _ texts: [String?], dropping dropped: inout [Int])
        throws(Rejection) -> (Digest32?, String?, CalendarDate?) {
        var personCode: Digest32?
        var canonicalId: String?
        var birthDate: CalendarDate?
        for j in fields.indices where fields[j].kind == .idNumber {
            guard let text = texts[j] else { continue }
            if let (canonical, born) = IdNumber.canonicalWithBirthDate(text) {
                canonicalId = canonical
                birthDate = born
                do throws(CryptoError) {
                    personCode = try pseudonymizer.personCode(canonicalId: canonical)
                } catch {
                    throw Rejection(failure: error)
                }
            } else if fields[j].required {
                throw Rejection(.invalidIdNumber, fields[j].from, "not a valid GB 11643 ID number")
            } else {
                dropped.append(j)
            }
        }
        return (personCode, canonicalId, birthDate)
    }

    /// Step 3: one code, count, date or time into its slot; false when the value is invalid.
    /// `numberLike`: the raw value was a JSON number with a fraction or exponent, a boolean,
    /// an array or an object, which is never a valid code, count, date or time.
    private func read(_ text: String, numberLike: Bool, _ f: FieldPlan, into out: inout StandardRecord) throws(Rejection) -> Bool {
        switch f.kind {
        case .code:
            guard !numberLike, let code = f.codes?.code(for: text) else { return false }
            assign(code, to: f.target, &out)
        case .count:
            guard !numberLike, let n = CodeTable.nonNegativeInteger(text), n <= f.maximum else { return false }
            assign(n, to: f.target, &out)
        case .date:
            guard !numberLike, let d = f.format?.date(text) else { return false }
            if f.target == .day { out.day = Int32(d.daysSinceEpoch) } else { out.birthDay = Int32(d.daysSinceEpoch) }
        case .timestamp:
            guard !numberLike, let t = f.format?.timestampMicros(text), CalendarDate.isSupported(micros: t) else { return false }
            out.updatedAtMicros = t
        case .text:
            if f.target == .className { out.className = text }
        case .pseudonym:
            do throws(CryptoError) {
                out.localIdCode = try pseudonymizer.pseudonym(prefixed: f.pseudonymPrefix, text)
            } catch {
                throw Rejection(failure: error)
            }
        case .school, .idNumber, .personal:
            break
        }
        return true
    }

    /// Why a value of `f` is invalid (only built for a quarantined record).
    private func invalidDetail(_ f: FieldPlan) -> String {
        switch f.kind {
        case .code: return "\(f.name) value not in code table \(f.codes?.name ?? "?")"
        case .count:
            return f.maximum == Int64.max ? "\(f.name) is not a non-negative integer"
                : "\(f.name) is not a non-negative integer up to \(f.maximum)"
        case .date: return "\(f.name) is not a real date in layout \(f.format?.description ?? "?")"
        default: return "\(f.name) is not a real time in layout \(f.format?.description ?? "?")"
        }
    }

    /// Step 4: the school's county in the registry as of the raw message's time, and the key.
    private func locate(_ out: inout StandardRecord, _ plan: DialectPlan, _ schoolCode: String?,
                        _ registry: SchoolRegistry, _ asOfMs: Int64, _ personCode: Digest32?) throws(Rejection) {
        guard let schoolCode, let countyCode = registry.county(of: schoolCode, asOf: asOfMs) else {
            throw Rejection(.unknownSchool, plan.dialect.schoolField, "school not in the registry as of the message time")
        }
        out.countyCode = countyCode
        switch stream.recordType {
        case .student, .teacher:
            guard let personCode else { throw Rejection(.missingField, "id_number", "no ID number") }
            out.key = personCode
        case .attendance:
            out.key = StandardRecord.attendanceKey(school: schoolCode, day: out.day ?? 0, grade: out.grade ?? 0,
                                                   className: out.className ?? "")
        }
    }

    /// The text of each of the dialect's fields (``text(of:)``), and which of them were
    /// number-like (``isNumberLike(_:)``); a repeated name keeps its last value. Records
    /// mostly carry a dialect's fields in one order, so where each raw name fills at most one
    /// field the search starts after the last match: about one comparison per field instead
    /// of one per pair. One array per record: the raw values are not kept beside the texts.
    static func fieldTexts(of record: RawRecord, _ plan: DialectPlan) -> ([String?], FieldSet) {
        let fields = plan.fields
        var texts = [String?](repeating: nil, count: fields.count)
        var numberLike = FieldSet()
        func take(_ value: RawValue, _ j: Int) {
            texts[j] = text(of: value)
            numberLike.set(j, isNumberLike(value))
        }
        guard plan.distinctSources else {
            for f in record.fields {
                for j in fields.indices where f.name.hasUTF8(fields[j].fromUTF8) { take(f.value, j) }
            }
            return (texts, numberLike)
        }
        var start = 0
        for f in record.fields {
            var j = start
            for _ in fields.indices {
                let after = j + 1 == fields.count ? 0 : j + 1
                if f.name.hasUTF8(fields[j].fromUTF8) {
                    take(f.value, j)
                    start = after
                    break
                }
                j = after
            }
        }
        return (texts, numberLike)
    }

    /// A set of a dialect's field positions, without an allocation for the first 64 (a
    /// standard stream has at most 11 fields).
    struct FieldSet {
        private var low: UInt64 = 0
        private var high: Set<Int> = []

        mutating func set(_ j: Int, _ member: Bool) {
            guard j >= 0, j < 64 else {
                if member { high.insert(j) } else { high.remove(j) }
                return
            }
            let bit = UInt64(1) << UInt64(j)
            low = member ? low | bit : low & ~bit
        }

        func contains(_ j: Int) -> Bool {
            guard j >= 0, j < 64 else { return high.contains(j) }
            return low & (UInt64(1) << UInt64(j)) != 0
        }
    }

    /// The first dialect (in topology order) whose school-code field the record carries.
    private func dialect(of record: RawRecord) -> DialectPlan? {
        for p in plans {
            guard let i = p.schoolIndex else { continue }
            let name = p.fields[i].fromUTF8
            if record.fields.contains(where: { $0.name.hasUTF8(name) }) { return p }
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
}
