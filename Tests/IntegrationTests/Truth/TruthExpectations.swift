/// What PostgreSQL must hold after the truth's data went through the pipeline, computed from
/// SPEC §1–§5 and the shipped monitors' documented rules (README "Data-quality monitors"),
/// with nothing from the pipeline: the registry as of each message's time, the current
/// version per entity (latest *updated at*, ties by partition, offset, row), the aggregates
/// of the current versions, one quarantined unit per distinct source position, and the
/// quality results of the per-record, quarantine and uniqueness monitors.
///
/// Monitors covered: every per-record monitor (completeness, validity, consistency,
/// referential, timeliness `arrival_lag`), both `quarantine` monitors and the four uniqueness
/// monitors (the runs evaluate them with `hubctl quality evaluate --only uniqueness` before
/// comparing). Not covered: the day-level `daily_report` and `baseline` monitors (the truth's
/// runs do not evaluate days; no rows are expected).
struct TruthExpectations {
    /// `level|region|grade|gender` → students (no zero rows).
    var enrollment: [String: Int] = [:]
    /// `level|region` → teachers.
    var teachers: [String: Int] = [:]
    /// `level|region|day` → [expected, present].
    var attendance: [String: [Int]] = [:]
    /// reason → quarantined units.
    var quarantineCounts: [String: Int] = [:]
    /// `topic|partition|offset|row` → `reason|school` of every quarantined unit.
    var quarantine: [String: String] = [:]
    /// `monitor|school|day` → [checked, failed], rows that are not all zero.
    var quality: [String: [Int]] = [:]
    /// `topic|partition|offset|row` of each current version → its standard-zone row.
    var standardZone: [String: String] = [:]
    /// Registry values that delete a school without being null or empty (each is logged).
    var loggedRegistryDeletes = 0

    /// How often the data needed each SPEC §4 rule, so a test can show it was exercised:
    /// versions that met an equal *updated at* in an earlier message of their partition or
    /// earlier in their own value; of those, the ties written below the microsecond; versions
    /// older than the one in effect when they arrived.
    struct Exercised {
        var tiesByOffset = 0
        var tiesByRow = 0
        var subMicrosecondTies = 0
        var lateOlderVersions = 0
    }
    var exercised = Exercised()

    /// A version of an entity: a standardised record and where it came from.
    struct Version {
        var record: TruthRecord
        var county: String
        var topic: String
        var partition: Int32
        var offset: Int64
        var row: Int
        var kafkaTime: TruthTime

        var order: (Int64, Int32, Int64, Int) { (record.updated.micros, partition, offset, row) }
        var position: String { "\(topic)|\(partition)|\(offset)|\(row)" }
        /// Attendance: its day; others: the Beijing day of updated_at.
        var qualityDay: TruthDate { record.kind == .attendance ? record.day : record.updated.beijingDate }
    }

    init(_ scenario: TruthScenario, messages: [TruthMessage], prefix: String) throws {
        let registry = TruthRegistry(scenario.registry)
        loggedRegistryDeletes = scenario.registry.filter(\.logged).count
        var current: [String: Version] = [:]
        var claims: [String: Version] = [:]  // one-school-per-person: person|school → latest report
        var units: [String: (kind: TruthKind, reason: String, school: String, day: TruthDate)] = [:]

        for m in messages {
            guard m.offset >= 0 else { throw TruthError("truth message not sent: no offset") }
            let topic = prefix + m.kind.rawTopic
            switch m.content {
            case .whole(let reason):
                units["\(topic)|\(m.partition)|\(m.offset)|0"] = (m.kind, reason, Self.shown(nil), m.timestamp.beijingDate)
            case .records(let records):
                for (row, unit) in records {
                    let position = "\(topic)|\(m.partition)|\(m.offset)|\(row)"
                    switch unit {
                    case .quarantined(let reason, let school):
                        units[position] = (m.kind, reason, Self.shown(school), m.timestamp.beijingDate)
                    case .candidate(let r):
                        guard let county = registry.county(of: r.trimmedSchool, at: m.timestamp) else {
                            units[position] = (m.kind, "unknown_school", Self.shown(r.trimmedSchool), m.timestamp.beijingDate)
                            continue
                        }
                        let v = Version(record: r, county: county, topic: topic, partition: m.partition, offset: m.offset,
                                        row: row, kafkaTime: m.timestamp)
                        if let other = current[r.entity] {
                            if other.record.updated == r.updated && other.partition != m.partition {
                                throw TruthError("scenario error: \(r.entity) has equal updated_at on two partitions")
                            }
                            if other.record.updated == r.updated {
                                if other.offset == m.offset { exercised.tiesByRow += 1 } else { exercised.tiesByOffset += 1 }
                                if other.record.subMicroDigit != nil, r.subMicroDigit != nil, other.record.subMicroDigit != r.subMicroDigit {
                                    exercised.subMicrosecondTies += 1
                                }
                            } else if r.updated < other.record.updated {
                                exercised.lateOlderVersions += 1
                            }
                            if other.order < v.order { current[r.entity] = v }
                        } else {
                            current[r.entity] = v
                        }
                        if r.kind != .attendance {
                            let k = "\(r.entity)|\(r.trimmedSchool)"
                            if let c = claims[k], !(c.order < v.order) { continue }
                            claims[k] = v
                        }
                    }
                }
            }
        }

        for (position, u) in units {
            quarantineCounts[u.reason, default: 0] += 1
            quarantine[position] = "\(u.reason)|\(u.school)"
            // Quarantine monitors: each unit fails once, on its message's Beijing day, under its raw school.
            if u.kind == .student {
                let monitor = u.reason == "unknown_school" ? "student_school_known"
                    : (["malformed", "missing_field", "invalid_id_number", "invalid_code"].contains(u.reason) ? "student_record_accepted" : nil)
                if let monitor { count(monitor, u.school, u.day, failed: true) }
            }
        }
        for v in current.values {
            aggregate(v)
            standardZone[v.position] = Self.standardZoneRow(v)
            perRecordMonitors(v)
        }
        uniqueness(current: Array(current.values), claims: Array(claims.values))
        // Rows whose counts are zero may stay or go (SPEC §5); they are compared as absent.
        quality = quality.filter { $0.value != [0, 0] }
        attendance = attendance.filter { $0.value != [0, 0] }
        enrollment = enrollment.filter { $0.value != 0 }
        teachers = teachers.filter { $0.value != 0 }
    }

    /// A quarantined unit's school as the pipeline shows it (README "What a record may hold"):
    /// empty when there is none, the code itself when it is ten ASCII digits, else the
    /// placeholder `(invalid)` — never what the field held.
    static func shown(_ school: String?) -> String {
        guard let school, !school.isEmpty else { return "" }
        return school.utf8.count == 10 && school.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } ? school : "(invalid)"
    }

    // MARK: aggregates (SPEC §5)

    private mutating func aggregate(_ v: Version) {
        let r = v.record
        for (level, region) in TruthCodes.levels(school: r.trimmedSchool, county: v.county) {
            switch r.kind {
            case .student where r.status == 1:
                enrollment["\(level)|\(region)|\(r.grade)|\(r.gender)", default: 0] += 1
            case .teacher where r.status == 1:
                teachers["\(level)|\(region)", default: 0] += 1
            case .attendance:
                let k = "\(level)|\(region)|\(r.day.iso)"
                let sums = attendance[k] ?? [0, 0]
                attendance[k] = [sums[0] + r.expected, sums[1] + r.present]
            default:
                break
            }
        }
    }

    /// `type|school|county|gender|grade|status|day|class|expected|present|updated_us`, empty
    /// where the type has no such field.
    static func standardZoneRow(_ v: Version) -> String {
        let r = v.record
        let person = r.kind != .attendance
        return [r.kind.rawValue, r.trimmedSchool, v.county,
                person ? String(r.gender) : "",
                r.kind == .teacher ? "" : String(r.grade),
                person ? String(r.status) : "",
                person ? "" : r.day.iso,
                r.kind == .teacher ? "" : (r.trimmedClass ?? ""),
                person ? "" : String(r.expected),
                person ? "" : String(r.present),
                String(r.updated.micros)].joined(separator: "|")
    }

    // MARK: quality monitors

    private mutating func count(_ monitor: String, _ school: String, _ day: TruthDate, failed: Bool) {
        let k = "\(monitor)|\(school)|\(day.iso)"
        let c = quality[k] ?? [0, 0]
        quality[k] = [c[0] + 1, c[1] + (failed ? 1 : 0)]
    }

    static func present(_ s: String?) -> Bool { s.map { !TruthRecord.trimASCII($0).isEmpty } ?? false }

    /// The birth date in an ID number (always real: invalid IDs are quarantined).
    static func birth(ofId id: String) -> TruthDate {
        let digits = Array(id.dropFirst(6).prefix(8)).map { $0.wholeNumberValue ?? 0 }
        return TruthDate(year: digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3],
                         month: digits[4] * 10 + digits[5], day: digits[6] * 10 + digits[7])
    }

    /// `[GL][0-9]{17}[0-9X]`, the whole value.
    static func registryNumberWellFormed(_ s: String) -> Bool {
        let c = Array(s.unicodeScalars)
        guard c.count == 19, c[0] == "G" || c[0] == "L" else { return false }
        for i in 1...17 where !("0"..."9").contains(c[i]) { return false }
        return ("0"..."9").contains(c[18]) || c[18] == "X"
    }

    private mutating func perRecordMonitors(_ v: Version) {
        let r = v.record
        let school = r.trimmedSchool
        let day = v.qualityDay
        switch r.kind {
        case .student:
            var birthPresent = false
            var validBirth: TruthDate?
            switch r.birth {
            case .absent: break
            case .valid(let d): birthPresent = true; validBirth = d
            case .invalid: birthPresent = true
            }
            count("student_profile_complete", school, day,
                  failed: !(Self.present(r.name) && birthPresent && Self.present(r.className)))
            if Self.present(r.localNumber) {
                count("student_registry_no_format", school, day,
                      failed: !Self.registryNumberWellFormed(TruthRecord.trimASCII(r.localNumber!)))
            }
            if birthPresent { count("student_birth_date_valid", school, day, failed: validBirth == nil) }
            let idBirth = Self.birth(ofId: r.id)
            if let b = validBirth { count("student_birth_matches_id", school, day, failed: b != idBirth) }
            let schoolYear = day.month >= 9 ? day.year : day.year - 1
            let age = idBirth.years(to: TruthDate(year: schoolYear, month: 9, day: 1))
            count("student_age_fits_grade", school, day, failed: abs(age - (TruthCodes.gradeOrdinal(r.grade) + 5)) > 2)
            count("student_record_accepted", school, day, failed: false)
            if Self.present(r.countyField) {
                count("student_county_matches_registry", school, day, failed: TruthRecord.trimASCII(r.countyField!) != v.county)
            }
            count("student_school_known", school, day, failed: false)
            let lag = v.kafkaTime.milliseconds * 1000 - r.updated.micros
            count("student_timely", school, day, failed: lag > 72 * 3_600_000_000 || lag < -10 * 60_000_000)
        case .teacher:
            count("teacher_profile_complete", school, day, failed: !(Self.present(r.name) && Self.present(r.localNumber)))
            let age = Self.birth(ofId: r.id).years(to: day)
            count("teacher_age_plausible", school, day, failed: age < 18 || age > 65)
        case .attendance:
            count("attendance_present_le_expected", school, day, failed: r.present > r.expected)
            count("attendance_class_size", school, day, failed: r.expected < 1 || r.expected > 70)
        }
    }

    /// One school per person (the latest report of each person by each school: conflicts
    /// when two or more are active), and unique registry/staff numbers among the current
    /// versions (province-wide for students, per school for teachers).
    private mutating func uniqueness(current: [Version], claims: [Version]) {
        var byPerson: [String: [Version]] = [:]
        for c in claims { byPerson[c.record.entity, default: []].append(c) }
        for (_, reports) in byPerson {
            let active = reports.filter { $0.record.status == 1 }
            let monitor = reports[0].record.kind == .student ? "student_enrolled_once" : "teacher_active_once"
            for c in active { count(monitor, c.record.trimmedSchool, c.qualityDay, failed: active.count >= 2) }
        }
        var holders: [String: [Version]] = [:]
        for v in current where v.record.kind != .attendance && Self.present(v.record.localNumber) {
            let number = TruthRecord.trimASCII(v.record.localNumber!)
            let group = v.record.kind == .student ? "student|\(number)" : "teacher|\(v.record.trimmedSchool)|\(number)"
            holders[group, default: []].append(v)
        }
        for (group, members) in holders {
            let monitor = group.hasPrefix("student|") ? "student_registry_no_unique" : "teacher_staff_no_unique"
            for m in members { count(monitor, m.record.trimmedSchool, m.qualityDay, failed: members.count >= 2) }
        }
    }
}

/// The school registry as of a moment (SPEC §1): the latest `ref.school` message for the
/// school with a timestamp at or before it; none, or a delete, is an unknown school.
struct TruthRegistry {
    private var events: [String: [TruthRegistryEvent]] = [:]

    init(_ all: [TruthRegistryEvent]) {
        for e in all { events[e.school, default: []].append(e) }
        for k in events.keys { events[k]!.sort { $0.timestamp < $1.timestamp } }
    }

    /// Kafka timestamps are milliseconds: compared as such.
    func county(of school: String, at t: TruthTime) -> String? {
        events[school]?.last { $0.timestamp.milliseconds <= t.milliseconds }?.county
    }
}
