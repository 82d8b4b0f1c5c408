/// The contract's code tables and rules (SPEC §1–§3) as the truth writes and reads them, typed
/// in from the SPEC text: nothing here comes from the pipeline's topology or code.
enum TruthDialect: String, CaseIterable {
    case std, en, zh
}

enum TruthCodes {
    // MARK: regions (SPEC §1)

    static let province = "330000"

    /// City of a county: its first four digits and "00".
    static func city(ofCounty county: String) -> String { String(county.prefix(4)) + "00" }

    /// `(level, region)` of every level a school's row counts at.
    static func levels(school: String, county: String) -> [(String, String)] {
        [("province", province), ("city", city(ofCounty: county)), ("county", county), ("school", school)]
    }

    // MARK: ID numbers (SPEC §3, GB 11643)

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters = Array("10X98765432")

    /// The check character of 17 digits.
    static func checkCharacter(_ body: String) -> Character {
        var sum = 0
        for (digit, weight) in zip(body, weights) { sum += (digit.wholeNumberValue ?? 0) * weight }
        return checkCharacters[sum % 11]
    }

    /// A valid ID number: area (6 digits), birth date, sequence (3 digits), check character.
    static func idNumber(area: String, birth: TruthDate, sequence: Int) -> String {
        let seq = String(sequence % 1000)
        let body = area + birth.compact + String(repeating: "0", count: 3 - seq.count) + seq
        return body + String(checkCharacter(body))
    }

    /// The same ID with a wrong check character.
    static func withWrongCheck(_ id: String) -> String {
        let right = id.last!
        let wrong = checkCharacters.first { $0 != right && $0 != "X" }!
        return String(id.dropLast()) + String(wrong)
    }

    // MARK: code tables (SPEC §2, §3)

    /// Gender 1/2/9 as each dialect writes it.
    static func gender(_ code: Int, _ d: TruthDialect) -> String {
        switch d {
        case .std: return String(code)
        case .en: return [1: "M", 2: "F", 9: "U"][code]!
        case .zh: return [1: "男", 2: "女", 9: "未说明"][code]!
        }
    }

    static let gradeCodes = [11, 12, 13, 14, 15, 16, 21, 22, 23, 31, 32, 33]

    /// Grade code → its ordinal 1–12 (primary 1 … senior 3).
    static func gradeOrdinal(_ code: Int) -> Int { gradeCodes.firstIndex(of: code)! + 1 }

    static func grade(_ code: Int, _ d: TruthDialect) -> String {
        switch d {
        case .std: return String(code)
        case .en: return String(gradeOrdinal(code))
        case .zh:
            return ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三"][gradeOrdinal(code) - 1]
        }
    }

    /// Student status 1 enrolled, 2 suspended, 3 transferred out, 4 graduated.
    static func studentStatus(_ code: Int, _ d: TruthDialect) -> String {
        switch d {
        case .std: return String(code)
        case .en: return ["enrolled", "suspended", "transferred", "graduated"][code - 1]
        case .zh: return ["在读", "休学", "转出", "毕业"][code - 1]
        }
    }

    /// Teacher status 1 active, 0 left.
    static func teacherStatus(_ code: Int, _ d: TruthDialect) -> String {
        switch d {
        case .std: return String(code)
        case .en: return code == 1 ? "active" : "left"
        case .zh: return code == 1 ? "在职" : "离职"
        }
    }

    static func date(_ date: TruthDate, _ d: TruthDialect) -> String {
        switch d {
        case .std: return date.compact
        case .en: return date.iso
        case .zh: return date.slashed
        }
    }

    /// Updated-at as each dialect writes it: `std` and `zh` Beijing wall time (`zh` without
    /// zero padding), `en` ISO 8601 with an offset. `nanosecondDigit` appends a seventh
    /// fractional digit to `en` times (a difference below the microsecond).
    static func time(_ t: TruthTime, _ d: TruthDialect, utcForm: Bool = false, nanosecondDigit: Int? = nil) -> String {
        let c = t.clock
        let date = t.beijingDate
        switch d {
        case .std:
            return "\(date.iso) \(TruthDate.two(c.h)):\(TruthDate.two(c.m)):\(TruthDate.two(c.s))"
        case .zh:
            return "\(date.year)-\(date.month)-\(date.day) \(c.h):\(c.m):\(c.s)"
        case .en:
            var fraction = ""
            if c.us != 0 || nanosecondDigit != nil {
                let digits = String(c.us)
                fraction = "." + String(repeating: "0", count: 6 - digits.count) + digits + (nanosecondDigit.map(String.init) ?? "")
            }
            if utcForm {
                let u = TruthTime(micros: t.micros - TruthTime.beijingOffset * 1_000_000)
                let uc = u.clock, ud = u.beijingDate
                return "\(ud.iso)T\(TruthDate.two(uc.h)):\(TruthDate.two(uc.m)):\(TruthDate.two(uc.s))\(fraction)Z"
            }
            return "\(date.iso)T\(TruthDate.two(c.h)):\(TruthDate.two(c.m)):\(TruthDate.two(c.s))\(fraction)+08:00"
        }
    }

    // MARK: field names per dialect (SPEC §2)

    enum Field: CaseIterable {
        case school, registryNo, staffNo, name, gender, birth, id, grade, className, status, updated, day, expected, present, county
    }

    static func name(_ f: Field, _ d: TruthDialect, teacher: Bool = false) -> String {
        switch (f, d) {
        case (.school, .std): return "XXBSM"
        case (.school, .en): return "school_code"
        case (.school, .zh): return "学校代码"
        case (.registryNo, .std): return "XJH"
        case (.registryNo, .en): return "student_no"
        case (.registryNo, .zh): return "学籍号"
        case (.staffNo, .std): return "JGH"
        case (.staffNo, .en): return "staff_no"
        case (.staffNo, .zh): return "工号"
        case (.name, .std): return "XM"
        case (.name, .en): return "name"
        case (.name, .zh): return "姓名"
        case (.gender, .std): return "XBM"
        case (.gender, .en): return "gender"
        case (.gender, .zh): return "性别"
        case (.birth, .std): return "CSRQ"
        case (.birth, .en): return "birth_date"
        case (.birth, .zh): return "出生日期"
        case (.id, .std): return "SFZJH"
        case (.id, .en): return "id_number"
        case (.id, .zh): return "身份证号"
        case (.grade, .std): return "NJDM"
        case (.grade, .en): return "grade"
        case (.grade, .zh): return "年级"
        case (.className, .std): return "BJ"
        case (.className, .en): return "class_name"
        case (.className, .zh): return "班级"
        case (.status, .std): return teacher ? "RZZT" : "XJZT"
        case (.status, .en): return "status"
        case (.status, .zh): return teacher ? "任职状态" : "学籍状态"
        case (.updated, .std): return "GXSJ"
        case (.updated, .en): return "updated_at"
        case (.updated, .zh): return "更新时间"
        case (.day, .std): return "RQ"
        case (.day, .en): return "date"
        case (.day, .zh): return "日期"
        case (.expected, .std): return "YDRS"
        case (.expected, .en): return "expected"
        case (.expected, .zh): return "应到人数"
        case (.present, .std): return "SDRS"
        case (.present, .en): return "present"
        case (.present, .zh): return "实到人数"
        // The record's own county: an extra field for aggregation (SPEC §1), compared by a
        // quality monitor with the registry.
        case (.county, .std): return "XZQHDM"
        case (.county, .en): return "county_code"
        case (.county, .zh): return "区县代码"
        }
    }
}
