/// The truth's data set: a registry with moves, deletes and late registrations, and raw
/// students, teachers and attendance in every format, charset and dialect, with the cases
/// SPEC §4 orders — updates, transfers, equal-time ties inside a partition (later offset, then
/// later row wins), differences below the microsecond (ties), late older versions, re-sends
/// at new offsets, every quarantine reason — all from one seed.
struct TruthScenario {
    struct Size {
        var students: Int
        var teachers: Int
        /// Classes reported per school and day.
        var classes: Int = 3
        var partitions: Int = 4
        /// Whole-value defects (null, empty, unknown types, broken zstd, too large, …).
        var wholeValueDefects = true
        /// One version per entity (defective records aside): every standardised record stays
        /// the version in effect, so each redelivered copy of one is recognisable as a copy.
        var singleVersions = false
        /// Hostile messages (issue 14) mixed in: control characters in headers and fields, an
        /// ID number in a content type, deep nesting, counts over the maximum, times outside
        /// 0001–9999, personal data in the school field, a record too large for an internal
        /// message, 2,000 tiny rows, a missing Kafka timestamp.
        var hostileInput = false
    }

    let size: Size
    private(set) var registry: [TruthRegistryEvent] = []
    private(set) var messages: [TruthMessage] = []
    /// Names and ID numbers written into the raw data (none may leave Transform in clear).
    private(set) var secrets: Set<String> = []

    /// Schools in the registry: code → county at registration.
    private(set) var schools: [(code: String, county: String)] = []

    static let counties = ["330102", "330106", "330110", "330183", "330203", "330212", "330381", "330782", "331082", "330522"]
    static let firstDay = TruthDate(year: 2026, month: 9, day: 1)
    static let days = 5
    static let registered = TruthTime(TruthDate(year: 2026, month: 8, day: 20), 10, 0, 0)

    private var random: TruthRandom
    private var writer: TruthWriter
    private var emissions: [(record: TruthRecord, at: TruthTime, seq: Int)] = []
    private var wholeValues: [(message: TruthMessage, at: TruthTime)] = []
    private var sequence = 0

    // Schools with a registry story (indices into `schools`).
    private var moved = 1, nulled = 2, emptied = 3, garbled = 4, foreign = 5, reRegistered = 6
    private let late = "3133099001", neverRegistered = "3133099002"
    private var schoolCount: Int

    init(seed: UInt64, size: Size) throws {
        self.size = size
        random = TruthRandom(seed: seed)
        writer = TruthWriter(random: TruthRandom(seed: seed ^ 0x5EED))
        schoolCount = max(16, min(40, size.students / 40))
        makeRegistry()
        for i in 0..<size.students { makeStudent(i) }
        for i in 0..<size.teachers { makeTeacher(i) }
        makeAttendance()
        if size.wholeValueDefects { try makeWholeValueDefects() }
        if size.hostileInput { makeHostileMessages() }
        try pack()
    }

    // MARK: registry (SPEC §1)

    private mutating func makeRegistry() {
        for i in 0..<schoolCount {
            let code = "31330" + String(10000 + i * 7).suffix(5)
            let county = Self.counties[i % Self.counties.count]
            schools.append((code, county))
            register(code, county, at: Self.registered.adding(seconds: Int64(i)))
        }
        let day = { (d: Int, h: Int) in TruthTime(Self.firstDay.adding(days: d), h, 0, 0) }
        // A move to another county mid-week; versions follow their message's time.
        register(schools[moved].code, "330481", at: day(2, 12))
        // Deletes: null, empty, not JSON, a county outside the province.
        registry.append(TruthRegistryEvent(school: schools[nulled].code, county: nil, value: nil, timestamp: day(3, 12)))
        registry.append(TruthRegistryEvent(school: schools[emptied].code, county: nil, value: [], timestamp: day(3, 13)))
        registry.append(TruthRegistryEvent(school: schools[garbled].code, county: nil, value: Array("学校已撤销 (not JSON)".utf8),
                                           timestamp: day(2, 9)))
        let foreignValue = "{\"school_code\":\"\(schools[foreign].code)\",\"name\":\"外省学校\",\"county_code\":\"110101\",\"stage\":\"primary\"}"
        registry.append(TruthRegistryEvent(school: schools[foreign].code, county: nil, value: Array(foreignValue.utf8), timestamp: day(1, 20)))
        // Deleted by a short county, then registered again elsewhere.
        let short = "{\"school_code\":\"\(schools[reRegistered].code)\",\"county_code\":\"3301\"}"
        registry.append(TruthRegistryEvent(school: schools[reRegistered].code, county: nil, value: Array(short.utf8), timestamp: day(1, 8)))
        register(schools[reRegistered].code, "330782", at: day(2, 8))
        // A school the registry learns of only on the second day.
        register(late, "330110", at: day(1, 12))
    }

    private mutating func register(_ school: String, _ county: String, at t: TruthTime) {
        let value = "{\"school_code\":\"\(school)\",\"name\":\"学校\(school.suffix(4))\",\"county_code\":\"\(county)\",\"stage\":\"primary\"}"
        registry.append(TruthRegistryEvent(school: school, county: county, value: Array(value.utf8), timestamp: t))
    }

    /// Any school records may name: mostly registered ones, some with a registry story.
    private mutating func pickSchool() -> String {
        if random.chance(0.03) { return random.pick([late, neverRegistered]) }
        // U+3000 is not ASCII whitespace: kept, so the code names no school (unknown_school).
        if random.chance(0.005) { return schools[random.int(schools.count)].code + "\u{3000}" }
        return schools[random.int(schools.count)].code
    }

    private func partition(of school: String) -> Int32 {
        let digits = school.unicodeScalars.filter { $0.properties.numericType != nil }.reduce(0) { ($0 * 31 + Int($1.value)) % 1_000_003 }
        return Int32(digits % size.partitions)
    }

    // MARK: times

    private mutating func timeInWeek() -> TruthTime {
        let day = Self.firstDay.adding(days: random.int(Self.days))
        return TruthTime(day, random.int(7, 18), random.int(60), random.int(60), micros: random.chance(0.3) ? random.int(1_000_000) : 0)
    }

    /// When a version is sent: minutes after its time, sometimes days late or from the future.
    private mutating func sendTime(_ updated: TruthTime) -> TruthTime {
        if random.chance(0.02) { return updated.adding(seconds: Int64(random.int(80, 100)) * 3600) }
        if random.chance(0.01) { return updated.adding(seconds: -Int64(random.int(20, 40)) * 60) }
        return updated.adding(seconds: Int64(random.int(1, 40)) * 60)
    }

    private mutating func emit(_ r: TruthRecord, at t: TruthTime) {
        sequence += 1
        emissions.append((r, t, sequence))
    }

    // MARK: people

    private static let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙"]
    private static let given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "𠀀", "𠮷"]

    private mutating func name(_ n: Int) -> String {
        let name = random.pick(Self.surnames) + random.pick(Self.given) + random.pick(Self.given) + "\(n % 97)"
        secrets.insert(name)
        return name
    }

    private var registryNumbers: [String] = []

    private mutating func makeStudent(_ i: Int) {
        var r = TruthRecord(kind: .student, school: pickSchool())
        r.grade = random.pick(TruthCodes.gradeCodes)
        r.gender = random.chance(0.02) ? 9 : random.pick([1, 2])
        // Age on 1 September 2026 = ordinal + 5, now and then two or three years off.
        let age = TruthCodes.gradeOrdinal(r.grade) + 5 + (random.chance(0.05) ? random.pick([-3, 3, 4]) : random.pick([0, 0, 1]))
        let birth = TruthDate(year: 2026 - age - 1, month: random.int(9, 12), day: random.int(1, 28))
        r.id = TruthCodes.idNumber(area: "33" + String(1000 + i / 1000).suffix(4), birth: birth, sequence: i % 1000)
        secrets.insert(r.id)
        r.name = random.chance(0.95) ? name(i) : (random.chance(0.5) ? nil : "  ")
        if random.chance(0.9) {
            r.birth = random.chance(0.03) ? .invalid : .valid(random.chance(0.05) ? birth.adding(days: 1) : birth)
        }
        r.className = random.chance(0.95) ? "\(random.int(1, 8))班" : nil
        if random.chance(0.04), let shared = registryNumbers.last {
            r.localNumber = shared
        } else if random.chance(0.04) {
            r.localNumber = random.pick(["G12345", "X" + String(r.id.dropLast())])
        } else if random.chance(0.95) {
            r.localNumber = "G" + r.id
            registryNumbers.append(r.localNumber!)
        }
        if random.chance(0.3) { r.countyField = random.chance(0.8) ? county(of: r.school) : random.pick(Self.counties) }
        r.pad = random.chance(0.05)
        r.updated = timeInWeek()
        versions(of: r, teacher: false)
    }

    private mutating func makeTeacher(_ i: Int) {
        var r = TruthRecord(kind: .teacher, school: pickSchool())
        r.gender = random.pick([1, 2])
        let year = random.chance(0.03) ? random.pick([1955, 2010]) : random.int(1965, 2000)
        let birth = TruthDate(year: year, month: random.int(1, 12), day: random.int(1, 28))
        // Some teachers share an ID number with a student: a separate entity (SPEC §3).
        r.id = TruthCodes.idNumber(area: "33" + String(5000 + i / 1000).suffix(4), birth: birth, sequence: i % 1000)
        secrets.insert(r.id)
        r.name = random.chance(0.95) ? name(i) : nil
        if random.chance(0.5) { r.birth = .valid(birth) }
        r.localNumber = random.chance(0.95) ? "T\(random.chance(0.03) ? 1 : 10000 + i)" : nil
        if random.chance(0.2) { r.countyField = county(of: r.school) }
        r.updated = timeInWeek()
        versions(of: r, teacher: true)
    }

    private func county(of school: String) -> String {
        schools.first { $0.code == school }?.county ?? "330106"
    }

    /// The versions of one person, sent in an order that exercises SPEC §4.
    private mutating func versions(of first: TruthRecord, teacher: Bool) {
        var history = [first]
        var t = first.updated
        func later() -> TruthTime { t.adding(seconds: Int64(random.int(3600, 40 * 3600))) }
        if size.singleVersions {
            emit(first, at: sendTime(first.updated))
            if random.chance(0.06) {
                var bad = first
                bad.updated = later()
                bad.defect = defect(for: bad.kind)
                emit(bad, at: sendTime(bad.updated))
            }
            return
        }
        if random.chance(0.15) {  // a correction at the same school
            var v = history.last!
            t = later()
            v.updated = t
            if teacher { v.localNumber = v.localNumber.map { $0 + "A" } } else { v.grade = random.pick(TruthCodes.gradeCodes) }
            history.append(v)
        }
        if random.chance(0.15) {  // a transfer; the old school reports it in most cases
            var v = history.last!
            if random.chance(0.6) {
                t = later()
                v.updated = t
                v.status = teacher ? 0 : 3
                history.append(v)
            }
            t = later()
            v.updated = t
            v.status = 1
            var school = pickSchool()
            if school == v.school { school = schools[((schools.firstIndex { $0.code == school } ?? 0) + 1) % schools.count].code }
            v.school = school
            v.countyField = nil
            history.append(v)
        } else if random.chance(0.1) {  // suspended, graduated or left
            var v = history.last!
            t = later()
            v.updated = t
            v.status = teacher ? 0 : random.pick([2, 4])
            history.append(v)
        }
        var sends: [(TruthRecord, TruthTime)] = history.map { ($0, sendTime($0.updated)) }
        // Keep a person's sends in time order (a late one may come before a newer version's).
        var last = sends[0].1
        for i in sends.indices.dropFirst() {
            if sends[i].1 < last { sends[i].1 = last.adding(seconds: 60) }
            last = sends[i].1
        }
        for (v, at) in sends { emit(v, at: at) }
        var latest = history.last!
        let latestAt = sends.last!.1
        if random.chance(0.06) {  // an equal-time version at the same school: the later one wins
            var tie = latest
            if teacher { tie.status = 1 - tie.status } else { tie.grade = random.pick(TruthCodes.gradeCodes) }
            emit(tie, at: latestAt)
            latest = tie
        }
        if random.chance(0.03) {  // the same, below the microsecond (en times): still a tie
            var a = latest, b = latest
            a.updated = TruthTime(micros: t.micros - t.micros % 1_000_000 + 654_321 + 3_600_000_000)
            b.updated = a.updated
            a.subMicroDigit = 4
            b.subMicroDigit = 1
            a.dialect = .en
            b.dialect = .en
            if teacher { b.status = 1 - a.status } else { b.grade = a.grade == 11 ? 12 : 11 }
            let at = sendTime(a.updated) < latestAt ? latestAt.adding(seconds: 30) : sendTime(a.updated)
            emit(a, at: at)
            emit(b, at: at)
            latest = b
        }
        if history.count > 1, random.chance(0.3) {  // an older version arrives late
            emit(history[random.int(history.count - 1)], at: latestAt.adding(seconds: Int64(random.int(300, 7200))))
        }
        if random.chance(0.05) {  // the version in effect sent again at a new offset
            emit(latest, at: latestAt.adding(seconds: Int64(random.int(60, 3600))))
        }
        if random.chance(0.06) {  // a version that cannot be standardised
            var bad = history[random.int(history.count)]
            bad.updated = later()
            bad.defect = defect(for: bad.kind)
            let at = sendTime(bad.updated)
            emit(bad, at: at)
            if random.chance(0.2) { emit(bad, at: at.adding(seconds: 600)) }  // re-sent: counts again
        }
    }

    private mutating func defect(for kind: TruthKind) -> TruthDefect {
        typealias F = TruthCodes.Field
        let how = random.int(3)
        switch kind {
        case .student:
            return random.pick([
                .malformed, .missing(random.pick([F.school, .id, .gender, .grade, .status, .updated]), how: how),
                .wrongCheck, .impossibleIdDate, .badCode(random.pick([F.gender, .grade, .status, .updated])), .nbspCode,
            ])
        case .teacher:
            return random.pick([
                .malformed, .missing(random.pick([F.school, .id, .gender, .status, .updated]), how: how), .wrongCheck,
                .badCode(random.pick([F.gender, .status, .updated])), .nbspCode,
            ])
        case .attendance:
            return random.pick([
                .malformed, .missing(random.pick([F.school, .day, .grade, .className, .expected, .present, .updated]), how: how),
                .badCode(random.pick([F.day, .grade, .expected, .present, .updated])),
            ])
        }
    }

    // MARK: attendance

    private mutating func makeAttendance() {
        let reporting = schools.map(\.code) + [late, neverRegistered]
        for (index, school) in reporting.enumerated() {
            for d in 0..<Self.days {
                let day = Self.firstDay.adding(days: d)
                for c in 1...size.classes {
                    var r = TruthRecord(kind: .attendance, school: school)
                    r.day = day
                    // "\u{3000}2班" and "2班" share a grade: only the untrimmed U+3000 tells them apart.
                    r.grade = TruthCodes.gradeCodes[(index + (index % 4 == 1 && c == 3 ? 2 : c)) % TruthCodes.gradeCodes.count]
                    // Class names: ASCII padding is trimmed (same class); U+3000 is not (another
                    // class); a GB18030 four-byte character survives a gbk label.
                    switch (index % 4, c) {
                    case (0, 1): r.className = random.pick([" 1班 ", "1班", "\t1班"])
                    case (1, 2): r.className = "\u{3000}2班"
                    case (1, 3): r.className = "2班"
                    case (2, 1): r.className = "𠀀班"
                    default: r.className = "\(c)班"
                    }
                    r.expected = random.chance(0.04) ? random.pick([0, 75]) : random.int(20, 50)
                    r.present = random.chance(0.05) ? r.expected + 2 : max(0, r.expected - random.int(0, 3))
                    r.updated = TruthTime(day, random.int(7, 9), random.int(60), random.int(60))
                    if random.chance(0.2) { r.countyField = county(of: school) }
                    var sendAt = sendTime(r.updated)
                    emit(r, at: sendAt)
                    if size.singleVersions { continue }
                    if random.chance(0.2) {  // a correction; sometimes the original arrives again late
                        var fix = r
                        fix.updated = r.updated.adding(seconds: Int64(random.int(600, 7200)))
                        fix.present = max(0, r.expected - random.int(0, 5))
                        sendAt = sendTime(fix.updated) < sendAt ? sendAt.adding(seconds: 60) : sendTime(fix.updated)
                        emit(fix, at: sendAt)
                        if random.chance(0.25) { emit(r, at: sendAt.adding(seconds: 900)) }
                    }
                    if random.chance(0.05) { emit(r, at: sendAt.adding(seconds: 1800)) }
                    if random.chance(0.04) {
                        var bad = r
                        bad.defect = defect(for: .attendance)
                        emit(bad, at: sendAt.adding(seconds: 120))
                    }
                }
            }
        }
    }

    // MARK: whole values (SPEC §4, checked before any record)

    private mutating func makeWholeValueDefects() throws {
        let line = "{\"XXBSM\":\"\(schools[0].code)\",\"SFZJH\":\"330102201601010017\",\"XBM\":\"1\",\"NJDM\":\"11\",\"XJZT\":\"1\",\"GXSJ\":\"2026-09-01 08:00:00\"}"
        let ndjson = [("content-type", "application/x-ndjson")]
        var cases: [(TruthKind, [UInt8]?, [(String, String)], String)] = [
            (.student, nil, [], "malformed"),
            (.teacher, [], [], "malformed"),
            (.student, Array(line.utf8), [("content-type", "application/xml")], "malformed"),
            (.attendance, Array(line.utf8), [("content-type", "application/json; charset=latin1")], "malformed"),
            (.student, Array(line.utf8), [("content-type", "application/json"), ("content-encoding", "gzip")], "malformed"),
            (.student, Array(TruthEncoding.zstdFrame(Array(line.utf8), withContentSize: true).dropLast(5)),
             [("content-encoding", "zstd")], "malformed"),
            (.teacher, Array(line.utf8.dropLast(2)) + [0xFF, 0x7D], [], "malformed"),
            (.student, [0x7B, 0x22, 0x81, 0x20, 0x22, 0x3A, 0x31, 0x7D], [("content-type", "application/json;charset=gb18030")], "malformed"),
            (.student, Array("[\(line)]".utf8), [("content-type", "application/json")], "malformed"),
            (.attendance, Array("{\"XXBSM\":".utf8), [], "malformed"),
            (.student, Array(String(repeating: line + "\n", count: 1_048_576 / line.utf8.count + 2).utf8), ndjson, "too_large"),
            (.student, TruthEncoding.zstdRLEFrame(byte: 0x20, count: 17 << 20), ndjson + [("Content-Encoding", "zstd")], "too_large"),
        ]
        cases.append(cases[0])  // the same null value again at a new offset: counts again
        for (kind, value, headers, reason) in cases {
            let school = schools[random.int(schools.count)].code
            let at = timeInWeek()
            wholeValues.append((TruthMessage(kind: kind, school: school, partition: partition(of: school), key: school, value: value,
                                             headers: headers, timestamp: at, content: .whole(reason: reason)), at))
        }
    }

    // MARK: hostile input (issue 14; outcomes as README "Hostile input" states them)

    private mutating func makeHostileMessages() {
        let ndjson = [("content-type", "application/x-ndjson")]
        func school() -> String { schools[random.int(schools.count)].code }
        func line(_ fields: [(String, String)]) -> String {
            "{" + fields.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
        }
        func student(_ s: String, id: String, _ extra: [(String, String)] = []) -> String {
            var fields = [("XXBSM", s), ("XM", name(900)), ("XBM", "1"), ("SFZJH", id), ("NJDM", "11"), ("XJZT", "1"),
                          ("GXSJ", "2026-09-02 08:00:00")]
            for (k, v) in extra {
                if let i = fields.firstIndex(where: { $0.0 == k }) { fields[i].1 = v } else { fields.append((k, v)) }
            }
            return line(fields)
        }
        func id(_ n: Int) -> String {
            let id = TruthCodes.idNumber(area: "339001", birth: TruthDate(year: 2015, month: 3, day: 4), sequence: n)
            secrets.insert(id)
            return id
        }
        func add(_ kind: TruthKind, _ value: [UInt8]?, _ headers: [(String, String)], _ content: TruthMessage.Content,
                 at: TruthTime? = nil) {
            let s = school()
            let t = at ?? timeInWeek()
            wholeValues.append((TruthMessage(kind: kind, school: s, partition: partition(of: s), key: s, value: value, headers: headers,
                                             timestamp: t, content: content), t))
        }
        let valid = Array(student(school(), id: id(1)).utf8)
        // Whole values: header values with control characters, an ID number, a NUL; deep nesting.
        add(.student, valid, [("content-type", "application/x-ndjson\u{1}")], .whole(reason: "malformed"))
        add(.student, valid, [("content-type", "application/" + id(2))], .whole(reason: "malformed"))
        add(.student, valid, [("content-encoding", "zstd\u{0}")], .whole(reason: "malformed"))
        add(.teacher, Array((String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)).utf8), [],
            .whole(reason: "malformed"))
        // Records: a NUL in a class name, counts over the maximum, a time whose Beijing day is
        // before year 1, an ID number, a name and JSON quotes in the school field.
        let a = school()
        let attendance = [
            line([("XXBSM", a), ("RQ", "20260902"), ("NJDM", "11"), ("BJ", "1\\u0000班"), ("YDRS", "30"), ("SDRS", "30"),
                  ("GXSJ", "2026-09-02 08:00:00")]),
            line([("XXBSM", a), ("RQ", "20260902"), ("NJDM", "11"), ("BJ", "9班"), ("YDRS", "10001"), ("SDRS", "30"),
                  ("GXSJ", "2026-09-02 08:00:00")]),
        ]
        add(.attendance, Array(attendance.joined(separator: "\n").utf8), ndjson,
            .records([(1, .quarantined(reason: "malformed", school: a)), (2, .quarantined(reason: "invalid_code", school: a))]))
        let b = school(), n = name(901)
        let students = [
            line([("school_code", b), ("gender", "M"), ("id_number", id(3)), ("grade", "1"), ("status", "enrolled"),
                  ("updated_at", "0001-01-01T00:00:00+23:59")]),
            student(id(4), id: id(5)),
            student(n, id: id(6)),
            student("\\\"},{\\\"x\\\":\\\"", id: id(7)),
        ]
        add(.student, Array(students.joined(separator: "\n").utf8), ndjson,
            .records([(1, .quarantined(reason: "invalid_code", school: b)), (2, .quarantined(reason: "unknown_school", school: id(4))),
                      (3, .quarantined(reason: "unknown_school", school: n)),
                      (4, .quarantined(reason: "unknown_school", school: "\"},{\"x\":\""))]))
        // A record too large for an internal message (11 MiB of name, a few bytes of zstd).
        let c = school()
        let small = student(c, id: id(8), [("XBM", "7")])
        let head = Array((small + "\n" + String(student(c, id: id(9)).dropLast()) + ",\"x\":\"").utf8)
        add(.student, TruthEncoding.zstdFrame(head, run: (UInt8(ascii: "x"), 11 << 20), tail: Array("\"}".utf8)),
            ndjson + [("content-encoding", "zstd")],
            .records([(1, .quarantined(reason: "invalid_code", school: c)), (2, .quarantined(reason: "too_large", school: nil))]))
        // 2,000 tiny rows, each missing everything but a school field that is not a code.
        add(.student, Array(("XXBSM\n" + String(repeating: "1\n", count: 2000)).utf8), [("content-type", "text/csv")],
            .records((1...2000).map { ($0, .quarantined(reason: "missing_field", school: "1")) }))
        // No Kafka timestamp (-1): the registry as of 0 knows no school.
        let d = school()
        add(.student, Array(student(d, id: id(10)).utf8), [], .records([(0, .quarantined(reason: "unknown_school", school: d))]),
            at: TruthTime(micros: -1000))
    }

    // MARK: packing records into messages

    /// Groups each school's emissions, in send order, into messages: a single JSON object,
    /// ndjson lines or CSV rows; UTF-8 (some with a BOM) or GB18030 labelled gbk or gb18030;
    /// some in zstd frames.
    private mutating func pack() throws {
        emissions.sort { ($0.at, $0.seq) < ($1.at, $1.seq) }
        var pending: [String: [(record: TruthRecord, at: TruthTime)]] = [:]
        var order: [(TruthMessage, TruthTime, Int)] = []
        var target: [String: Int] = [:]
        for e in emissions {
            let bufferKey = "\(e.record.kind.rawValue)|\(baseSchool(e.record.school))"
            if let first = pending[bufferKey]?.first, e.at.micros - first.at.micros > 600_000_000 {
                order.append((try message(pending[bufferKey]!), pending[bufferKey]!.last!.at, order.count))
                pending[bufferKey] = nil
            }
            pending[bufferKey, default: []].append((e.record, e.at))
            if target[bufferKey] == nil { target[bufferKey] = random.chance(0.35) ? 1 : random.int(2, 40) }
            if pending[bufferKey]!.count >= target[bufferKey]! {
                order.append((try message(pending[bufferKey]!), e.at, order.count))
                pending[bufferKey] = nil
                target[bufferKey] = nil
            }
        }
        for (_, group) in pending.sorted(by: { $0.key < $1.key }) {
            order.append((try message(group), group.last!.at, order.count))
        }
        for w in wholeValues { order.append((w.message, w.at, order.count)) }
        order.sort { ($0.1, $0.2) < ($1.1, $1.2) }
        messages = order.map(\.0)
    }

    /// The school a record's partition and key follow (a code padded or with U+3000 is still
    /// sent by that school).
    private func baseSchool(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.filter { $0.properties.numericType != nil && $0.isASCII }))
    }

    private mutating func message(_ group: [(record: TruthRecord, at: TruthTime)]) throws -> TruthMessage {
        let kind = group[0].record.kind
        let school = baseSchool(group[0].record.school)
        let forced = group.contains { $0.record.dialect != nil }
        let format: Int = group.count == 1 && random.chance(0.6) ? 0 : (forced || random.chance(0.6) ? 1 : 2)
        var text = ""
        var units: [(row: Int, unit: TruthUnit)] = []
        var contentType: String?
        switch format {
        case 0:
            let d = group[0].record.dialect ?? random.pick(TruthDialect.allCases)
            let r = Self.asWritten(group[0].record, d)
            text = writer.json(r, d)
            if case .malformed? = r.defect { return packed(kind, school, text, nil, group, .whole(reason: "malformed")) }
            units = [(0, unit(r))]
            contentType = random.pick([nil, "application/json", "Application/JSON;  charset=UTF-8"])
        case 1:
            var lines: [String] = []
            for (record, _) in group {
                if random.chance(0.05) { lines.append(random.pick(["", "  ", "\t"])) }
                let d = record.dialect ?? random.pick(TruthDialect.allCases)
                let r = Self.asWritten(record, d)
                lines.append(writer.json(r, d))
                units.append((lines.count, unit(r)))
            }
            text = lines.joined(separator: random.chance(0.3) ? "\r\n" : "\n") + (random.chance(0.5) ? "\n" : "")
            contentType = "application/x-ndjson"
        default:
            let d = random.pick(TruthDialect.allCases)
            var lines = [TruthEncoding.csvLine(TruthWriter.csvHeader(kind, d))]
            for (i, (record, _)) in group.enumerated() {
                let r = Self.asWritten(record, d)
                lines.append(TruthEncoding.csvLine(writer.csvRow(r, d)))
                units.append((i + 1, unit(r)))
            }
            text = lines.joined(separator: random.chance(0.5) ? "\r\n" : "\n") + (random.chance(0.7) ? "\r\n" : "")
            contentType = random.pick(["text/csv", "TEXT/CSV"])
        }
        return packed(kind, school, text, contentType, group, .records(units))
    }

    /// The record as `dialect` carries it: `std` and `zh` times have whole seconds.
    static func asWritten(_ r: TruthRecord, _ dialect: TruthDialect) -> TruthRecord {
        guard dialect != .en else { return r }
        var r = r
        r.updated = TruthTime(micros: r.updated.micros - r.updated.micros % 1_000_000)
        return r
    }

    private func unit(_ r: TruthRecord) -> TruthUnit {
        guard let defect = r.defect else { return .candidate(r) }
        switch defect {
        case .malformed, .missing(.school, _): return .quarantined(reason: defect.reason, school: nil)
        default: return .quarantined(reason: defect.reason, school: r.trimmedSchool)
        }
    }

    private mutating func packed(_ kind: TruthKind, _ school: String, _ text: String, _ contentType: String?,
                                 _ group: [(record: TruthRecord, at: TruthTime)], _ content: TruthMessage.Content) -> TruthMessage {
        var headers: [(String, String)] = []
        var bytes: [UInt8]
        var type = contentType
        if random.chance(0.2), let encoded = try? TruthEncoding.gb18030(text) {
            bytes = encoded
            type = (type ?? "application/json") + random.pick(["; charset=gbk", ";charset=GBK", "; charset=gb18030"])
        } else {
            bytes = Array(text.utf8)
            if random.chance(0.1) { bytes = [0xEF, 0xBB, 0xBF] + bytes }
        }
        if let type { headers.append((random.pick(["content-type", "Content-Type", "CONTENT-TYPE"]), type)) }
        if random.chance(0.1) {
            bytes = TruthEncoding.zstdFrame(bytes, withContentSize: random.chance(0.5))
            headers.append((random.pick(["content-encoding", "Content-Encoding"]), "zstd"))
        }
        let at = group.last!.at
        return TruthMessage(kind: kind, school: school, partition: partition(of: school), key: school, value: bytes,
                            headers: headers, timestamp: at, content: content)
    }
}
