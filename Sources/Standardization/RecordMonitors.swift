import HubCore
import Topology

/// The stream's per-record quality monitors, resolved against one dialect: each rule reads
/// the record's values by the dialect's field positions. Evaluated in Transform, where the
/// raw values still exist; only the result (two bit masks) leaves it.
struct RecordMonitors: Sendable {
    /// What a rule sees of one record.
    struct View {
        /// Trimmed text per dialect field (plan order); nil when absent, null or blank.
        var present: [String?]
        /// The same, but nil also where an optional field was invalid.
        var valid: [String?]
        var canonicalId: String?
        var record: StandardRecord
    }

    private enum Check: Sendable {
        case complete([Int?])
        case valid(Int?)
        case pattern(Int?, CompiledPattern)
        case range(field: String, min: Int64, max: Int64)
        case notGreater(String, String)
        case birthMatchesId
        case ageForGrade(Int)
        case ageRange(Int, Int)
        case county(Int?)
        case arrivalLag(maxLagMicros: Int64, maxAheadMicros: Int64)
        case alwaysPasses
    }

    private let checks: [(bit: UInt64, check: Check)]

    init(stream: StreamDefinition, fieldNames: [String]) {
        func index(_ name: String) -> Int? { fieldNames.firstIndex(of: name) }
        var checks: [(UInt64, Check)] = []
        for (i, m) in stream.monitors.enumerated() where i < 64 {
            let bit = UInt64(1) << UInt64(i)
            switch m.rule {
            case .complete(let fields): checks.append((bit, .complete(fields.map(index))))
            case .valid(let f): checks.append((bit, .valid(index(f))))
            case .pattern(let f, let p): checks.append((bit, .pattern(index(f), CompiledPattern(p))))
            case .range(let f, let lo, let hi): checks.append((bit, .range(field: f, min: lo, max: hi)))
            case .notGreater(let a, let b): checks.append((bit, .notGreater(a, b)))
            case .birthMatchesId: checks.append((bit, .birthMatchesId))
            case .ageForGrade(let t): checks.append((bit, .ageForGrade(t)))
            case .ageRange(let lo, let hi): checks.append((bit, .ageRange(lo, hi)))
            case .countyMatchesRegistry(let f): checks.append((bit, .county(index(f))))
            case .arrivalLag(let h, let a):
                checks.append((bit, .arrivalLag(maxLagMicros: Int64(h) * 3_600_000_000, maxAheadMicros: Int64(a) * 60_000_000)))
            case .quarantine: checks.append((bit, .alwaysPasses))
            case .oneSchoolPerPerson, .uniqueLocalId, .dailyReport, .baseline: break
            }
        }
        self.checks = checks
    }

    var isEmpty: Bool { checks.isEmpty }

    /// The record's quality masks: the monitors that checked it, and those that failed.
    func evaluate(_ view: View) -> (checked: UInt64, failed: UInt64) {
        var checked: UInt64 = 0
        var failed: UInt64 = 0
        for (bit, check) in checks {
            guard let ok = Self.run(check, view) else { continue }
            checked |= bit
            if !ok { failed |= bit }
        }
        return (checked, failed)
    }

    /// nil: the rule does not apply to this record; otherwise whether it passed.
    private static func run(_ check: Check, _ v: View) -> Bool? {
        let r = v.record
        switch check {
        case .complete(let indices):
            return indices.allSatisfy { i in i.map { v.present[$0] != nil } ?? false }
        case .valid(let i):
            guard let i, v.present[i] != nil else { return nil }
            return v.valid[i] != nil
        case .pattern(let i, let pattern):
            guard let i, let text = v.present[i] else { return nil }
            return pattern.matches(text)
        case .range(let field, let lo, let hi):
            guard let n = r.number(field) else { return nil }
            return n >= lo && n <= hi
        case .notGreater(let a, let b):
            guard let x = r.number(a), let y = r.number(b) else { return nil }
            return x <= y
        case .birthMatchesId:
            guard let birth = r.birthDay, let id = v.canonicalId, let fromId = IdNumber.birthDate(ofCanonical: id) else { return nil }
            return Int(birth) == fromId.daysSinceEpoch
        case .ageForGrade(let tolerance):
            guard let grade = r.grade, let ordinal = gradeOrdinal(grade), let id = v.canonicalId,
                  let birth = IdNumber.birthDate(ofCanonical: id) else { return nil }
            let today = CalendarDate(daysSinceEpoch: Int(r.qualityDay))
            let schoolYear = today.month >= 9 ? today.year : today.year - 1
            // A record of year 1 has no previous school year: the rule does not apply.
            guard let schoolStart = CalendarDate(year: schoolYear, month: 9, day: 1) else { return nil }
            let age = years(from: birth, to: schoolStart)
            return abs(age - (ordinal + 5)) <= tolerance
        case .ageRange(let lo, let hi):
            guard let id = v.canonicalId, let birth = IdNumber.birthDate(ofCanonical: id) else { return nil }
            let age = years(from: birth, to: CalendarDate(daysSinceEpoch: Int(r.qualityDay)))
            return age >= lo && age <= hi
        case .county(let i):
            guard let i, let text = v.present[i] else { return nil }
            return text == r.countyCode
        case .arrivalLag(let maxLag, let maxAhead):
            // Only a known Kafka time is judged (MessageTime); then the arithmetic cannot overflow.
            guard let arrivalMs = MessageTime.known(r.sourceTimestampMs) else { return nil }
            let lag = arrivalMs * 1000 - r.updatedAtMicros
            return lag <= maxLag && lag >= -maxAhead
        case .alwaysPasses:
            return true
        }
    }

    /// 11–16 → 1–6, 21–23 → 7–9, 31–33 → 10–12.
    static func gradeOrdinal(_ code: Int16) -> Int? {
        switch code {
        case 11...16: return Int(code) - 10
        case 21...23: return Int(code) - 14
        case 31...33: return Int(code) - 21
        default: return nil
        }
    }

    /// Completed years from `a` to `b`.
    static func years(from a: CalendarDate, to b: CalendarDate) -> Int {
        b.year - a.year - ((b.month, b.day) < (a.month, a.day) ? 1 : 0)
    }
}

/// A steward's regular expression, compiled once. Matching does not mutate the compiled
/// program, so one instance is shared by concurrent batches.
final class CompiledPattern: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>?

    init(_ pattern: String) { regex = try? Regex(pattern) }

    func matches(_ text: String) -> Bool {
        guard let regex else { return false }
        return (try? regex.wholeMatch(in: text)) != nil
    }
}
