import Foundation

/// The scenarios' expected rows, computed the plain way from the fixture's lists and the
/// definitions in Topologies/scenarios.yaml (thresholds copied from there) — independent of
/// the production code. Period 2026-11, as of 2026-11-27, unless said otherwise.
struct ScenarioExpectations {
    typealias F = ScenarioFixture
    let f: ScenarioFixture
    typealias Row = ScenarioFixture.Row

    enum Form { case count, ratio, percent, perHundred, changePercent }
    enum Comparison { case above, atLeast, below, outside }

    /// A scenario as the test reads its definition.
    struct Spec {
        var form: Form
        var schoolsInWarning = false
        var comparison: Comparison
        /// (level, stage) → (lower, upper).
        var threshold: (String, String) -> (Double?, Double?)
        var minDenominator = 1.0
    }

    static func single(_ c: Comparison, school: Double, county: Double? = nil, other: Double, stages: [String: Double] = [:])
        -> (String, String) -> (Double?, Double?) {
        { level, stage in
            let v = level == "school" ? (stages[stage] ?? school) : level == "county" ? (county ?? other) : other
            return c == .below ? (v, nil) : (nil, v)
        }
    }

    static func range(school: (Double, Double), other: (Double, Double)) -> (String, String) -> (Double?, Double?) {
        { level, _ in level == "school" ? (school.0, school.1) : (other.0, other.1) }
    }

    struct Figures { var numerator: Double; var denominator: Double }

    // MARK: the rows

    /// Every level's rows from the schools' figures: sums (or schools in warning) per county,
    /// city and the province, over the registered schools; `previous` gives each region's
    /// previous numerator instead of a denominator.
    static func rows(_ spec: Spec, _ perSchool: [String: Figures], previous: [String: Double]? = nil) -> [String: Row] {
        var out: [String: Row] = [:]
        func make(_ level: String, _ region: String, stage: String, n: Double, d: Double?, form: Form) -> Row {
            let (lower, upper) = spec.threshold(level, stage)
            var value: Double?
            switch form {
            case .count: value = n
            case .ratio: value = d.flatMap { $0 > 0 && $0 >= spec.minDenominator ? n / $0 : nil }
            case .percent, .perHundred: value = d.flatMap { $0 > 0 && $0 >= spec.minDenominator ? 100 * n / $0 : nil }
            case .changePercent: value = d.flatMap { $0 > 0 && $0 >= spec.minDenominator ? 100 * (n / $0 - 1) : nil }
            }
            var status = "no_data"
            if let v = value {
                let breached: Bool
                switch spec.comparison {
                case .above: breached = v > upper!
                case .atLeast: breached = v >= upper!
                case .below: breached = v < lower!
                case .outside: breached = v < lower! || v > upper!
                }
                status = breached ? "warning" : "ok"
            }
            return Row(value: value, numerator: n, denominator: d, status: status, lower: lower, upper: upper)
        }
        for s in F.schools {
            let f = perSchool[s.code] ?? Figures(numerator: 0, denominator: 0)
            let d = previous.map { $0["school|\(s.code)"] } ?? f.denominator
            out["school|\(s.code)"] = make("school", s.code, stage: s.stage, n: f.numerator, d: d, form: spec.form)
        }
        var regions: [String: [ScenarioFixture.School]] = [:]
        for s in F.schools {
            regions["county|\(s.county)", default: []].append(s)
            regions["city|\(s.county.prefix(4))00", default: []].append(s)
            regions["province|330000", default: []].append(s)
        }
        for (key, members) in regions {
            let level = String(key.split(separator: "|")[0])
            let region = String(key.split(separator: "|")[1])
            if spec.schoolsInWarning {
                let judged = members.compactMap { out["school|\($0.code)"] }.filter { $0.status != "no_data" }
                out[key] = make(level, region, stage: "", n: Double(judged.filter { $0.status == "warning" }.count),
                                d: Double(judged.count), form: .count)
            } else {
                let figures = members.map { perSchool[$0.code] ?? Figures(numerator: 0, denominator: 0) }
                let n = figures.reduce(0) { $0 + $1.numerator }
                let d = previous.map { $0[key] } ?? figures.reduce(0) { $0 + $1.denominator }
                out[key] = make(level, region, stage: "", n: n, d: d, form: spec.form)
            }
        }
        return out
    }

    // MARK: per-school figures (phase 2, as of 2026-11-27)

    var pupils: [F.Pupil] { f.phase2.pupils }
    var teachers: [F.Teacher] { f.phase2.teachers }
    var attendance: [F.Attendance] { f.phase2.attendance }
    var enrolled: [F.Pupil] { pupils.filter { $0.status == 1 } }

    static func count<T>(_ items: [T], school: (T) -> String, numerator: (T) -> Bool, denominator: (T) -> Bool) -> [String: Figures] {
        var out: [String: Figures] = [:]
        for i in items {
            var f = out[school(i)] ?? Figures(numerator: 0, denominator: 0)
            if numerator(i) { f.numerator += 1 }
            if denominator(i) { f.denominator += 1 }
            out[school(i)] = f
        }
        return out
    }

    /// Classes: enrolled pupils with a class name, by (school, grade, class).
    var classes: [(school: String, grade: Int, size: Int)] {
        Dictionary(grouping: enrolled.filter { $0.cls != nil }) { "\($0.school.code)|\($0.grade)|\($0.cls!)" }
            .map { (String($0.key.prefix(10)), $0.value[0].grade, $0.value.count) }
    }

    func oversized(primary: Int, junior: Int, senior: Int) -> [String: Figures] {
        Self.count(classes, school: \.school, numerator: { $0.size > ($0.grade < 20 ? primary : $0.grade < 30 ? junior : senior) },
              denominator: { _ in true })
    }

    var averageClassSize: [String: Figures] {
        var out: [String: Figures] = [:]
        for c in classes {
            var f = out[c.school] ?? Figures(numerator: 0, denominator: 0)
            f.numerator += Double(c.size)
            f.denominator += 1
            out[c.school] = f
        }
        return out
    }

    var studentTeacherRatio: [String: Figures] {
        var out: [String: Figures] = [:]
        for p in enrolled { out[p.school.code, default: Figures(numerator: 0, denominator: 0)].numerator += 1 }
        for t in teachers where t.status == 1 { out[t.school.code, default: Figures(numerator: 0, denominator: 0)].denominator += 1 }
        return out
    }

    static func compulsory(_ grade: Int) -> Bool { (11...16).contains(grade) || (21...23).contains(grade) }

    var dropoutRisk: [String: Figures] {
        Self.count(pupils.filter { Self.compulsory($0.grade) && [1, 2, 3].contains($0.status) }, school: \.school.code,
              numerator: { [2, 3].contains($0.status) && String($0.updated.prefix(10)) <= "2026-10-28" }, denominator: { _ in true })
    }

    var suspension: [String: Figures] {
        Self.count(pupils.filter { [1, 2].contains($0.status) }, school: \.school.code, numerator: { $0.status == 2 }, denominator: { _ in true })
    }

    var novemberAttendance: [F.Attendance] { attendance.filter { $0.day >= "2026-11-01" && $0.day <= "2026-11-27" } }

    var attendanceRate: [String: Figures] {
        var out: [String: Figures] = [:]
        for a in novemberAttendance {
            var f = out[a.school.code] ?? Figures(numerator: 0, denominator: 0)
            f.numerator += Double(a.present)
            f.denominator += Double(a.expected)
            out[a.school.code] = f
        }
        return out
    }

    /// school → [(day, rate)] in day order, for days from `from` to 2026-11-27 with something expected.
    func dailyRates(from: String) -> [String: [(day: String, rate: Double)]] {
        var sums: [String: [String: (Int, Int)]] = [:]
        for a in attendance where a.day >= from && a.day <= "2026-11-27" {
            let cur = sums[a.school.code, default: [:]][a.day] ?? (0, 0)
            sums[a.school.code, default: [:]][a.day] = (cur.0 + a.present, cur.1 + a.expected)
        }
        return sums.mapValues { days in
            days.filter { $0.value.1 > 0 }.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value.0) / Double($0.value.1)) }
        }
    }

    var lowAttendanceStreak: [String: Figures] {
        dailyRates(from: "2026-11-01").mapValues { days in
            var longest = 0, run = 0
            for d in days {
                run = d.rate < 0.9 ? run + 1 : 0
                longest = max(longest, run)
            }
            return Figures(numerator: Double(longest), denominator: Double(days.count))
        }
    }

    var absenceSpike: [String: Figures] {
        dailyRates(from: "2026-05-05").mapValues { days in
            var spikes = 0, judged = 0
            for (i, d) in days.enumerated() where d.day >= "2026-11-01" {
                judged += 1
                let history = days[max(0, i - 10)..<i].map { 1 - $0.rate }
                guard history.count >= 5 else { continue }
                let baseline = history.reduce(0, +) / Double(history.count)
                let absence = 1 - d.rate
                if absence >= 2 * baseline && absence - baseline >= 0.05 { spikes += 1 }
            }
            return Figures(numerator: Double(spikes), denominator: Double(judged))
        }
    }

    var rosterMismatch: [String: Figures] {
        var latest: [String: F.Attendance] = [:]
        for a in novemberAttendance {
            let k = "\(a.school.code)|\(a.grade)|\(a.cls)"
            if latest[k].map({ $0.day < a.day }) ?? true { latest[k] = a }
        }
        var roll: [String: Int] = [:]
        for p in enrolled where p.cls != nil { roll["\(p.school.code)|\(p.grade)|\(p.cls!)", default: 0] += 1 }
        return Self.count(Array(latest), school: { String($0.key.prefix(10)) },
                     numerator: { $0.value.expected != (roll[$0.key] ?? 0) }, denominator: { _ in true })
    }

    /// Whole years from `birth` to `day` (both `YYYY-MM-DD`).
    static func age(_ birth: String, on day: String) -> Int {
        let b = birth.split(separator: "-").map { Int($0)! }, d = day.split(separator: "-").map { Int($0)! }
        return d[0] - b[0] - ((d[1], d[2]) < (b[1], b[2]) ? 1 : 0)
    }

    static func gradeIndex(_ g: Int) -> Int { g < 20 ? g - 10 : g < 30 ? g - 14 : g - 21 }

    var overAge: [String: Figures] {
        Self.count(enrolled.filter { $0.birth != nil }, school: \.school.code,
              numerator: { Self.age($0.birth!, on: "2026-09-01") > 5 + Self.gradeIndex($0.grade) + 1 }, denominator: { _ in true })
    }

    var genderRatio: [String: Figures] {
        Self.count(enrolled.filter { $0.gender != 9 }, school: \.school.code, numerator: { $0.gender == 1 }, denominator: { $0.gender == 2 })
    }

    static func enrolledCount(_ pupils: [F.Pupil]) -> [String: Figures] {
        Self.count(pupils.filter { $0.status == 1 }, school: \.school.code, numerator: { _ in true }, denominator: { _ in false })
    }

    /// Every level's enrolled pupils in phase 1 (the previous period's numerators).
    var previousEnrolment: [String: Double] {
        let figures = Self.enrolledCount(f.phase1.pupils)
        var out: [String: Double] = [:]
        for s in F.schools {
            let n = figures[s.code]?.numerator ?? 0
            for key in ["school|\(s.code)", "county|\(s.county)", "city|\(s.county.prefix(4))00", "province|330000"] {
                out[key, default: 0] += n
            }
        }
        return out
    }

    var grade1Intake: [String: Figures] {
        var out: [String: Figures] = [:]
        for p in enrolled where [11, 12, 13].contains(p.grade) {
            var f = out[p.school.code] ?? Figures(numerator: 0, denominator: 0)
            if p.grade == 11 { f.numerator += 1 } else { f.denominator += 0.5 }
            out[p.school.code] = f
        }
        return out
    }

    var teacherAttrition: [String: Figures] {
        let left = { (t: F.Teacher) in t.status == 0 && t.updated.prefix(10) >= "2026-11-01" && t.updated.prefix(10) <= "2026-11-27" }
        return Self.count(teachers, school: \.school.code, numerator: left, denominator: { $0.status == 1 || left($0) })
    }

    var nearRetirement: [String: Figures] {
        Self.count(teachers.filter { $0.status == 1 && $0.birth != nil }, school: \.school.code,
              numerator: { Self.age($0.birth!, on: "2026-11-27") >= 55 }, denominator: { _ in true })
    }

    func without(_ has: (F.School) -> Bool) -> [String: Figures] {
        Dictionary(uniqueKeysWithValues: F.schools.map { ($0.code, Figures(numerator: has($0) ? 0 : 1, denominator: 1)) })
    }

    func covered(_ has: (F.School) -> Bool) -> [String: Figures] {
        Dictionary(uniqueKeysWithValues: F.schools.map { ($0.code, Figures(numerator: has($0) ? 1 : 0, denominator: 1)) })
    }
}
