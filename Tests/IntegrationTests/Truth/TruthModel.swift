/// What the truth's raw data means, record by record, as its generator wrote it.

enum TruthKind: String, CaseIterable {
    case student, teacher, attendance

    var rawTopic: String { "raw.\(rawValue)" }
}

/// A birth-date field as written: absent, a real date, or present but not a real date.
enum TruthBirthField {
    case absent
    case valid(TruthDate)
    case invalid
}

/// A defect that makes a record fail standardisation (SPEC §4), with the reason it must get.
enum TruthDefect {
    /// An ndjson line that does not parse, an object with a duplicate field, a CSV row
    /// with too many fields.
    case malformed
    /// A required field absent, JSON null, or blank (ASCII whitespace only).
    case missing(TruthCodes.Field, how: Int)
    /// A check character that does not match.
    case wrongCheck
    /// A check character that matches, over an impossible birth date.
    case impossibleIdDate
    /// A value outside its code table, a date that is not real, a count that is not a
    /// non-negative integer, a time without an offset (`en`).
    case badCode(TruthCodes.Field)
    /// A code with a trailing NO-BREAK SPACE: only ASCII whitespace is trimmed.
    case nbspCode

    var reason: String {
        switch self {
        case .malformed: return "malformed"
        case .missing: return "missing_field"
        case .wrongCheck, .impossibleIdDate: return "invalid_id_number"
        case .badCode, .nbspCode: return "invalid_code"
        }
    }
}

/// One raw record (a JSON object, an ndjson line, a CSV row).
struct TruthRecord {
    var kind: TruthKind
    /// The school code as written, before ASCII trimming (`pad` adds ASCII whitespace).
    var school: String
    var pad = false
    /// Students and teachers: the canonical ID number (upper-case check character).
    var id = ""
    var gender = 1
    /// Students and attendance.
    var grade = 11
    var status = 1
    var updated = TruthTime(micros: 0)
    /// `en` only: a seventh fractional digit of the time (below the microsecond).
    var subMicroDigit: Int?
    var name: String?
    var birth = TruthBirthField.absent
    /// As written; trimmed of ASCII whitespace it is the class (attendance key part).
    var className: String?
    /// Registry number (students) or staff number (teachers), as written.
    var localNumber: String?
    /// The record's own county field (an ignored extra field for aggregation).
    var countyField: String?
    // Attendance.
    var day = TruthDate(year: 2026, month: 9, day: 1)
    var expected = 0
    var present = 0
    /// A dialect the record must be written in (sub-microsecond times need `en`).
    var dialect: TruthDialect?
    var defect: TruthDefect?

    /// The school code after trimming ASCII whitespace (SPEC §2) — which keeps U+3000.
    var trimmedSchool: String { Self.trimASCII(school) }
    var trimmedClass: String? {
        guard let c = className else { return nil }
        let t = Self.trimASCII(c)
        return t.isEmpty ? nil : t
    }

    static func trimASCII(_ s: String) -> String {
        var scalars = Substring(s).unicodeScalars
        let ascii: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]
        while let f = scalars.first, ascii.contains(f) { scalars.removeFirst() }
        while let l = scalars.last, ascii.contains(l) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    /// The entity this record is a version of (students and teachers by ID number, attendance
    /// by school, day, grade and trimmed class).
    var entity: String {
        switch kind {
        case .student, .teacher: return "\(kind.rawValue)|\(id)"
        case .attendance: return "attendance|\(trimmedSchool)|\(day.iso)|\(grade)|\(trimmedClass ?? "")"
        }
    }
}

/// What one record of a raw message is for the expectations.
enum TruthUnit {
    /// Quarantined whatever the registry says, for `reason`; `school` is the raw school code
    /// the quarantine row keeps (nil when the record has none or cannot be read).
    case quarantined(reason: String, school: String?)
    /// Valid by itself; the registry as of the message's time decides (SPEC §1).
    case candidate(TruthRecord)
}

/// One raw Kafka message, with what it holds.
struct TruthMessage {
    enum Content {
        /// The whole value is quarantined as one unit (row 0).
        case whole(reason: String)
        /// Records by row (0 for a single JSON object; 1-based lines or CSV data rows).
        case records([(row: Int, unit: TruthUnit)])
    }

    var kind: TruthKind
    /// The school whose partition the message goes to (raw messages are keyed by school).
    var school: String
    var partition: Int32
    var key: String
    var value: [UInt8]?
    var headers: [(String, String)]
    var timestamp: TruthTime
    var content: Content
    /// Filled in when sent: the message's offset in its partition.
    var offset: Int64 = -1
}

/// One `ref.school` message: a registration (`county`), or a delete (`county` nil), by a
/// value that is null, empty or not a school with a 33xxxx county (`value` as sent).
struct TruthRegistryEvent {
    var school: String
    var county: String?
    var value: [UInt8]?
    var timestamp: TruthTime
    /// A value that is not null or empty yet deletes: the transform must log it.
    var logged: Bool { county == nil && !(value?.isEmpty ?? true) }
}
