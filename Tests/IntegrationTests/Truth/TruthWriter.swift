/// Writes truth records in a dialect: the fields of SPEC §2 with their values, ASCII
/// whitespace around some values, JSON integers for some digit strings, and the record's
/// defect if it has one.
struct TruthWriter {
    var random: TruthRandom

    typealias F = TruthCodes.Field

    /// A record's fields in `dialect`, in the order written; a nil value leaves the field out.
    mutating func fields(_ r: TruthRecord, _ d: TruthDialect) -> [(String, TruthValue?)] {
        let teacher = r.kind == .teacher
        func n(_ f: F) -> String { TruthCodes.name(f, d, teacher: teacher) }
        var out: [(String, TruthValue?)] = []
        func text(_ f: F, _ value: String?) { out.append((n(f), value.map { .text(padded($0)) })) }
        /// Digit strings may arrive as JSON integers (SPEC §2).
        func digits(_ f: F, _ value: String) {
            let asNumber = value.first != "0" && value.allSatisfy(\.isASCII) && value.allSatisfy(\.isNumber) && random.chance(0.3)
            out.append((n(f), asNumber ? .token(value) : .text(padded(value))))
        }
        text(.school, r.pad ? " \(r.school)\t" : r.school)
        switch r.kind {
        case .student, .teacher:
            text(teacher ? .staffNo : .registryNo, r.localNumber)
            text(.name, r.name)
            d == .std ? digits(.gender, TruthCodes.gender(r.gender, d)) : text(.gender, TruthCodes.gender(r.gender, d))
            switch r.birth {
            case .absent: break
            case .valid(let date): d == .std ? digits(.birth, date.compact) : text(.birth, TruthCodes.date(date, d))
            case .invalid: text(.birth, TruthCodes.date(TruthDate(year: 2015, month: 2, day: 30), d))
            }
            var id = r.id
            if id.hasSuffix("X"), random.chance(0.5) { id = String(id.dropLast()) + "x" }
            text(.id, id)
            if !teacher {
                if d == .zh { text(.grade, TruthCodes.grade(r.grade, d)) } else { digits(.grade, TruthCodes.grade(r.grade, d)) }
                text(.className, r.className)
                d == .std ? digits(.status, TruthCodes.studentStatus(r.status, d)) : text(.status, TruthCodes.studentStatus(r.status, d))
            } else {
                d == .std ? digits(.status, TruthCodes.teacherStatus(r.status, d)) : text(.status, TruthCodes.teacherStatus(r.status, d))
            }
        case .attendance:
            d == .std ? digits(.day, r.day.compact) : text(.day, TruthCodes.date(r.day, d))
            if d == .zh { text(.grade, TruthCodes.grade(r.grade, d)) } else { digits(.grade, TruthCodes.grade(r.grade, d)) }
            out.append((n(.className), r.className.map { .text($0) }))
            digits(.expected, String(r.expected))
            digits(.present, String(r.present))
        }
        text(.updated, TruthCodes.time(r.updated, d, utcForm: random.chance(0.3), nanosecondDigit: r.subMicroDigit))
        if let county = r.countyField { text(.county, county) }
        if let defect = r.defect { apply(defect, to: &out, r, d) }
        return out
    }

    /// ASCII whitespace around a value now and then: trimmed by the pipeline (SPEC §2).
    private mutating func padded(_ s: String) -> String {
        guard random.chance(0.08) else { return s }
        return random.pick([" ", "\t", "  "]) + s + random.pick([" ", "\t", ""])
    }

    private mutating func apply(_ defect: TruthDefect, to out: inout [(String, TruthValue?)], _ r: TruthRecord, _ d: TruthDialect) {
        let teacher = r.kind == .teacher
        func n(_ f: F) -> String { TruthCodes.name(f, d, teacher: teacher) }
        func set(_ f: F, _ v: TruthValue?) {
            if let i = out.firstIndex(where: { $0.0 == n(f) }) { out[i].1 = v } else { out.append((n(f), v)) }
        }
        switch defect {
        case .malformed:
            // Rendered by the format (a broken line, a duplicate field, a CSV row too long).
            break
        case .missing(let f, let how):
            set(f, [nil, .token("null"), .text(random.pick(["", "   ", "\t"]))][how % 3])
        case .wrongCheck:
            set(.id, .text(TruthCodes.withWrongCheck(r.id)))
        case .impossibleIdDate:
            set(.id, .text(TruthCodes.idNumber(area: String(r.id.prefix(6)), birth: TruthDate(year: 2014, month: 2, day: 29), sequence: 7)))
        case .badCode(let f):
            let value: TruthValue
            switch (f, d) {
            case (.gender, .std): value = .text("3")
            case (.gender, .en): value = .text("m")
            case (.gender, .zh): value = .text("男性")
            case (.grade, .std): value = .text("17")
            case (.grade, .en): value = random.chance(0.5) ? .token("13") : .token("3.0")
            case (.grade, .zh): value = .text("七年级")
            case (.status, .std): value = .text(teacher ? "2" : "5")
            case (.status, _): value = .text("unknown")
            case (.updated, .std): value = .text("2026-09-01 25:00:00")
            case (.updated, .en): value = .text("2026-09-01T08:00:00")
            case (.updated, .zh): value = .text("2026-9-31 8:0:0")
            case (.day, _): value = .text(TruthCodes.date(TruthDate(year: 2026, month: 9, day: 31), d))
            case (.expected, _): value = random.chance(0.5) ? .token("-1") : .text("1.0")
            case (.present, _): value = random.chance(0.5) ? .token("1e1") : .token("2.5")
            default: value = .text("??")
            }
            set(f, value)
        case .nbspCode:
            set(.gender, .text(TruthCodes.gender(r.gender, d) + "\u{00A0}"))
        }
    }

    /// The record as one JSON object (a malformed record: broken text or a duplicate field).
    mutating func json(_ r: TruthRecord, _ d: TruthDialect) -> String {
        let fields = self.fields(r, d).compactMap { f in f.1.map { (f.0, $0) } }
        if case .malformed? = r.defect {
            switch random.int(3) {
            case 0: return String(TruthEncoding.jsonObject(fields).dropLast(3))
            case 1: return TruthEncoding.jsonObject(fields + [fields[0]])
            default: return "[" + TruthEncoding.jsonObject(fields) + "]"
            }
        }
        return TruthEncoding.jsonObject(fields)
    }

    /// The CSV header of a record type in `dialect`: every field the writer may emit.
    static func csvHeader(_ kind: TruthKind, _ d: TruthDialect) -> [String] {
        let teacher = kind == .teacher
        let fields: [F]
        switch kind {
        case .student: fields = [.school, .registryNo, .name, .gender, .birth, .id, .grade, .className, .status, .updated, .county]
        case .teacher: fields = [.school, .staffNo, .name, .gender, .birth, .id, .status, .updated, .county]
        case .attendance: fields = [.school, .day, .grade, .className, .expected, .present, .updated, .county]
        }
        return fields.map { TruthCodes.name($0, d, teacher: teacher) }
    }

    /// The record as a CSV row under `csvHeader` (JSON null and absent are both empty; a
    /// malformed record gets one field too many).
    mutating func csvRow(_ r: TruthRecord, _ d: TruthDialect) -> [String] {
        let header = Self.csvHeader(r.kind, d)
        let fields = self.fields(r, d)
        var row = header.map { name -> String in
            guard let v = fields.first(where: { $0.0 == name })?.1 else { return "" }
            switch v {
            case .text(let s): return s
            case .token(let t): return t == "null" ? "" : t
            }
        }
        if case .malformed? = r.defect { row.append("extra") }
        return row
    }
}
