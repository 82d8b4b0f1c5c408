/// Builders for raw records in each dialect, written plainly from SPEC §2 so the tests do
/// not share code with the pipeline.
enum Raw {
    /// A valid 18-character ID number for person `n` (GB 11643 check character).
    static func id(_ n: Int, county: String = "330106", birth: String = "20100304") -> String {
        let seq = String(100 + n % 900)
        let body = Array(county + birth + seq)
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for i in 0..<17 { sum += Int(String(body[i]))! * weights[i] }
        return String(body) + String(Array("10X98765432")[sum % 11])
    }

    static func json(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\"\($0.0)\":\($0.1.hasPrefix("#") ? String($0.1.dropFirst()) : "\"\($0.1)\"")" }.joined(separator: ",") + "}"
    }

    /// A student in the `std` dialect; time is `YYYY-MM-DD HH:MM:SS` Beijing.
    static func stdStudent(school: String, id: String, gender: String, grade: String, status: String, time: String,
                           name: String = "测试学生") -> String {
        json([("XXBSM", school), ("XJH", "G" + id), ("XM", name), ("XBM", gender), ("CSRQ", "20100304"), ("SFZJH", id),
              ("NJDM", grade), ("BJ", "1班"), ("XJZT", status), ("GXSJ", time)])
    }

    static func enStudent(school: String, id: String, gender: String, grade: String, status: String, time: String,
                          name: String = "Test Student") -> String {
        json([("school_code", school), ("student_no", "G" + id), ("name", name), ("gender", gender),
              ("birth_date", "2010-03-04"), ("id_number", id), ("grade", grade), ("class_name", "Class 1"),
              ("status", status), ("updated_at", time)])
    }

    static func zhStudent(school: String, id: String, gender: String, grade: String, status: String, time: String,
                          name: String = "测试学生") -> String {
        json([("学校代码", school), ("学籍号", "G" + id), ("姓名", name), ("性别", gender), ("出生日期", "2010/3/4"),
              ("身份证号", id), ("年级", grade), ("班级", "1班"), ("学籍状态", status), ("更新时间", time)])
    }
}
