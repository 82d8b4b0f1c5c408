import HubCore

/// Generates a province's worth of sample data: a registry, students with updates, transfers
/// and out-of-order versions, teachers, attendance with corrections, in all three dialects,
/// plus a known share of bad records — and the aggregates a correct pipeline must publish.
struct SampleGenerator {
    struct School { var code: String; var county: String }
    struct Message {
        var topic: String
        var key: String
        var value: [UInt8]
        var headers: [(String, String)]
        /// The Kafka timestamp (CreateTime): shortly after its records' latest updated-at, as a
        /// school's system sends them; nil for the current time.
        var timestampMs: Int64? = nil
        /// Quarantine units this message must produce, per reason (a re-sent copy counts again).
        var quarantine: [String: Int] = [:]
        /// Records in the value (for rate limiting by records).
        var records = 1
    }

    /// What a correct pipeline publishes for the generated data.
    struct Truth {
        var enrollment: [String: Int] = [:]   // "level|region|grade|gender"
        var teachers: [String: Int] = [:]     // "level|region"
        var attendance: [String: (Int, Int)] = [:]  // "level|region|day"
        var quarantine: [String: Int] = [:]   // reason
    }

    var rng: SplitMix64
    let counties = ["330102", "330106", "330212", "330302"]
    var schools: [School] = []
    var truth = Truth()
    var idSerial = 0
    var usedIds: Set<String> = []

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        for (ci, county) in counties.enumerated() {
            for s in 0..<3 {
                schools.append(School(code: "3133\(ci)0\(String(format2: s))\(ci)\(s)".prefix10, county: county))
            }
        }
    }

    /// 2026-09-01 08:00 Beijing, in milliseconds since 1970: minute 0 of the sample.
    static let startMs: Int64 = Int64(CalendarDate(year: 2026, month: 9, day: 1)?.daysSinceEpoch ?? 0) * 86_400_000

    /// The registry, as it stood before term began (25 August 2026): every record finds its school.
    func registryMessages() -> [Message] {
        schools.enumerated().map { i, s in
            let json = "{\"school_code\":\"\(s.code)\",\"name\":\"\(Self.schoolName(i, s))\",\"county_code\":\"\(s.county)\",\"stage\":\"primary\"}"
            return Message(topic: "ref.school", key: s.code, value: Array(json.utf8), headers: [],
                           timestampMs: Self.startMs - 7 * 86_400_000)
        }
    }

    /// A plausible Chinese school name: the county's name and a numbered primary school.
    static func schoolName(_ index: Int, _ school: School) -> String {
        let counties = ["330102": "杭州市上城区", "330106": "杭州市西湖区", "330212": "宁波市鄞州区", "330302": "温州市鹿城区"]
        let numbers = ["第一", "第二", "第三", "第四", "第五", "第六"]
        return (counties[school.county] ?? "浙江省") + "实验" + numbers[index % numbers.count] + "小学"
    }

    // MARK: people

    /// A valid ID number never generated before (two people never share one).
    mutating func newIdNumber(county: String, birthYears: ClosedRange<Int> = 2008...2017) -> String {
        while true {
            let id = candidateIdNumber(county: county, birthYears: birthYears)
            if usedIds.insert(id).inserted { return id }
        }
    }

    private mutating func candidateIdNumber(county: String, birthYears: ClosedRange<Int>) -> String {
        idSerial += 1
        let year = birthYears.lowerBound + rng.int(birthYears.count)
        let month = 1 + rng.int(12)
        let day = 1 + rng.int(28)
        return IdNumber.completing(county + String(year) + pad(month) + pad(day) + pad3(idSerial % 1000))!
    }

    mutating func name() -> String {
        let family = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
        let given = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明"]
        return family[rng.int(family.count)] + given[rng.int(given.count)] + given[rng.int(given.count)]
    }

    /// Beijing wall time `minutes` after 2026-09-01 08:00.
    func beijing(_ minutes: Int) -> (y: Int, mo: Int, d: Int, h: Int, mi: Int) {
        let total = 8 * 60 + minutes
        return (2026, 9, 1 + total / 1440, total % 1440 / 60, total % 60)
    }

    func stdTime(_ m: Int) -> String { let t = beijing(m); return "\(t.y)-\(pad(t.mo))-\(pad(t.d)) \(pad(t.h)):\(pad(t.mi)):00" }
    func zhTime(_ m: Int) -> String { let t = beijing(m); return "\(t.y)-\(t.mo)-\(t.d) \(t.h):\(pad(t.mi)):0" }
    func enTime(_ m: Int) -> String { let t = beijing(m); return "\(t.y)-\(pad(t.mo))-\(pad(t.d))T\(pad(t.h)):\(pad(t.mi)):00+08:00" }

    static let gradesStd = [11, 12, 13, 14, 15, 16, 21, 22, 23, 31, 32, 33]
    static let gradesZh = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三"]

    struct StudentVersion {
        var school: School
        var id: String
        var name: String
        var gender: Int   // 1, 2, 9
        var gradeIndex: Int
        var status: Int   // 1...4
        var minute: Int
    }

    func studentRecord(_ v: StudentVersion, dialect: Int) -> SampleRecord {
        let birth = (Int(v.id.dropFirst(6).prefix(4))!, Int(v.id.dropFirst(10).prefix(2))!, Int(v.id.dropFirst(12).prefix(2))!)
        switch dialect {
        case 0:
            return SampleRecord(minute: v.minute, fields: [
                ("XXBSM", .text(v.school.code)), ("XJH", .text("G" + v.id)), ("XM", .text(v.name)),
                ("XBM", v.gender == 1 ? .int(1) : .text(String(v.gender))), ("CSRQ", .text("\(birth.0)\(pad(birth.1))\(pad(birth.2))")),
                ("SFZJH", .text(v.id)), ("NJDM", .text(String(Self.gradesStd[v.gradeIndex]))), ("BJ", .text("\(v.gradeIndex % 3 + 1)班")),
                ("XJZT", .text(String(v.status))), ("GXSJ", .text(stdTime(v.minute))),
            ])
        case 1:
            return SampleRecord(minute: v.minute, fields: [
                ("school_code", .text(v.school.code)), ("student_no", .text("G" + v.id)), ("name", .text(v.name)),
                ("gender", .text(["", "M", "F", "", "", "", "", "", "", "U"][v.gender])),
                ("birth_date", .text("\(birth.0)-\(pad(birth.1))-\(pad(birth.2))")), ("id_number", .text(v.id)),
                ("grade", v.gradeIndex % 2 == 0 ? .int(v.gradeIndex + 1) : .text(String(v.gradeIndex + 1))),
                ("class_name", .text(" Class \(v.gradeIndex % 3 + 1) ")),
                ("status", .text(["", "enrolled", "suspended", "transferred", "graduated"][v.status])),
                ("updated_at", .text(enTime(v.minute))),
            ])
        default:
            return SampleRecord(minute: v.minute, fields: [
                ("学校代码", .text(v.school.code)), ("学籍号", .text("G" + v.id)), ("姓名", .text(v.name)),
                ("性别", .text(["", "男", "女", "", "", "", "", "", "", "未说明"][v.gender])),
                ("出生日期", .text("\(birth.0)/\(birth.1)/\(birth.2)")), ("身份证号", .text(v.id)),
                ("年级", .text(Self.gradesZh[v.gradeIndex])), ("班级", .text("\(v.gradeIndex % 3 + 1)班")),
                ("学籍状态", .text(["", "在读", "休学", "转出", "毕业"][v.status])), ("更新时间", .text(zhTime(v.minute))),
            ])
        }
    }

    mutating func count(_ level: String, _ region: String, grade: Int, gender: Int) {
        truth.enrollment["\(level)|\(region)|\(grade)|\(gender)", default: 0] += 1
    }

    /// Students: every one gets a first version; some are updated, transferred, or have an
    /// older version re-sent after the newer one. Returns the records per school.
    mutating func students(_ n: Int) -> [(School, SampleRecord)] {
        var out: [(School, SampleRecord)] = []
        for _ in 0..<n {
            let school = schools[rng.int(schools.count)]
            let gradeIndex = rng.int(12)
            let born = 2019 - gradeIndex  // 6 years old on 1 September 2026 in primary 1
            var v = StudentVersion(school: school, id: newIdNumber(county: school.county, birthYears: born...born + 1), name: name(),
                                   gender: [1, 2, 1, 2, 9][rng.int(5)], gradeIndex: gradeIndex,
                                   status: rng.int(10) < 9 ? 1 : 2 + rng.int(3), minute: rng.int(600))
            var versions = [v]
            let r = rng.int(100)
            if r < 8 {                        // an update: status or grade changes
                v.minute += 30 + rng.int(60)
                v.status = rng.int(2) == 0 ? 1 : 2
                versions.append(v)
            } else if r < 12 {                // a transfer to another school, maybe another county
                v.minute += 30 + rng.int(60)
                v.school = schools[rng.int(schools.count)]
                versions.append(v)
            } else if r < 15 {                // the newer version arrives first, the older after it
                var newer = v
                newer.minute += 45
                newer.gradeIndex = (v.gradeIndex + 1) % 12
                versions = [newer, v]
            }
            let final = versions.max { $0.minute < $1.minute }!
            if final.status == 1 {
                let grade = Self.gradesStd[final.gradeIndex]
                for (level, region) in Region.path(school: final.school.code, county: final.school.county) {
                    count(level.rawValue, region, grade: grade, gender: final.gender)
                }
            }
            for version in versions {
                out.append((version.school, studentRecord(version, dialect: rng.int(3))))
            }
        }
        return out
    }

    /// Bad student records, one of each kind per call, each with its expected reason.
    mutating func badStudents() -> [(School, SampleRecord)] {
        let school = schools[rng.int(schools.count)]
        var base = StudentVersion(school: school, id: newIdNumber(county: school.county), name: name(), gender: 1,
                                  gradeIndex: 0, status: 1, minute: 10)
        var out: [(School, SampleRecord)] = []
        var bad = studentRecord(base, dialect: 0)
        bad.fields.removeAll { $0.0 == "XBM" }
        bad.expectedReason = "missing_field"
        out.append((school, bad))
        var badId = base.id
        badId.removeLast()
        badId.append(badId.hasSuffix("0") ? "1" : "0")
        let goodCheck = base.id.last!
        if badId.last! == goodCheck { badId.removeLast(); badId.append("5") }
        base.id = badId
        bad = studentRecord(base, dialect: 1)
        bad.expectedReason = "invalid_id_number"
        out.append((school, bad))
        base.id = newIdNumber(county: school.county)
        bad = studentRecord(base, dialect: 2)
        bad.fields = bad.fields.map { $0.0 == "性别" ? ($0.0, .text("男性")) : $0 }
        bad.expectedReason = "invalid_code"
        out.append((school, bad))
        base.id = newIdNumber(county: school.county)
        base.school = School(code: "3139999999", county: "330106")
        bad = studentRecord(base, dialect: 0)
        bad.expectedReason = "unknown_school"
        out.append((base.school, bad))
        return out
    }

    mutating func teachers(perSchool: Int) -> [(School, SampleRecord)] {
        var out: [(School, SampleRecord)] = []
        for school in schools {
            for _ in 0..<perSchool {
                let id = newIdNumber(county: school.county, birthYears: 1966...1999)
                let active = rng.int(10) < 9
                let gender = 1 + rng.int(2)
                let minute = rng.int(600)
                if active {
                    for (level, region) in Region.path(school: school.code, county: school.county) {
                        truth.teachers["\(level.rawValue)|\(region)", default: 0] += 1
                    }
                }
                let rec: SampleRecord
                switch rng.int(3) {
                case 0:
                    rec = SampleRecord(minute: minute, fields: [("XXBSM", .text(school.code)), ("JGH", .text("T\(idSerial)")), ("XM", .text(name())),
                                                ("XBM", .text(String(gender))), ("SFZJH", .text(id)), ("RZZT", .text(active ? "1" : "0")),
                                                ("GXSJ", .text(stdTime(minute)))])
                case 1:
                    rec = SampleRecord(minute: minute, fields: [("school_code", .text(school.code)), ("staff_no", .text("T\(idSerial)")),
                                                ("name", .text(name())), ("gender", .text(gender == 1 ? "M" : "F")),
                                                ("id_number", .text(id)), ("status", .text(active ? "active" : "left")),
                                                ("updated_at", .text(enTime(minute)))])
                default:
                    rec = SampleRecord(minute: minute, fields: [("学校代码", .text(school.code)), ("工号", .text("T\(idSerial)")), ("姓名", .text(name())),
                                                ("性别", .text(gender == 1 ? "男" : "女")), ("身份证号", .text(id)),
                                                ("任职状态", .text(active ? "在职" : "离职")), ("更新时间", .text(zhTime(minute)))])
                }
                out.append((school, rec))
            }
        }
        return out
    }

    /// Attendance for every school's classes over `days` days, with some corrections.
    mutating func attendance(days: Int, classesPerSchool: Int) -> [(School, SampleRecord)] {
        var out: [(School, SampleRecord)] = []
        for school in schools {
            for c in 0..<classesPerSchool {
                let gradeIndex = c % 12
                for d in 0..<days {
                    let expected = 30 + rng.int(15)
                    var present = expected - rng.int(4)
                    var minute = 60 * d * 24 + rng.int(100)
                    var versions = [(present, minute)]
                    if rng.int(10) == 0 {           // a correction later that day
                        present = max(0, present - 1 - rng.int(3))
                        minute += 120
                        versions.append((present, minute))
                        if rng.int(2) == 0 { versions.reverse() }
                    }
                    let day = "2026-09-\(pad(1 + d))"
                    for (level, region) in Region.path(school: school.code, county: school.county) {
                        let k = "\(level.rawValue)|\(region)|\(day)"
                        let cur = truth.attendance[k] ?? (0, 0)
                        truth.attendance[k] = (cur.0 + expected, cur.1 + present)
                    }
                    for (p, m) in versions {
                        let rec: SampleRecord
                        switch rng.int(3) {
                        case 0:
                            rec = SampleRecord(minute: m, fields: [("XXBSM", .text(school.code)), ("RQ", .int(20260901 + d)),
                                                        ("NJDM", .text(String(Self.gradesStd[gradeIndex]))), ("BJ", .text("\(c + 1)班")),
                                                        ("YDRS", .int(expected)), ("SDRS", .text(String(p))), ("GXSJ", .text(stdTime(m)))])
                        case 1:
                            rec = SampleRecord(minute: m, fields: [("school_code", .text(school.code)), ("date", .text(day)),
                                                        ("grade", .int(gradeIndex + 1)), ("class_name", .text(" \(c + 1)班")),
                                                        ("expected", .text(String(expected))), ("present", .int(p)),
                                                        ("updated_at", .text(enTime(m)))])
                        default:
                            rec = SampleRecord(minute: m, fields: [("学校代码", .text(school.code)), ("日期", .text("2026/9/\(1 + d)")),
                                                        ("年级", .text(Self.gradesZh[gradeIndex])), ("班级", .text("\(c + 1)班 ")),
                                                        ("应到人数", .int(expected)), ("实到人数", .int(p)), ("更新时间", .text(zhTime(m)))])
                        }
                        out.append((school, rec))
                    }
                }
            }
        }
        return out
    }

    func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
    func pad3(_ v: Int) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : String(v) }
}

extension String {
    init(format2 v: Int) { self = v < 10 ? "0\(v)" : String(v) }
    var prefix10: String { String(prefix(10)) }
}
