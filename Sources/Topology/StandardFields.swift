import HubCore

/// The standard fields each record type can have, with the kind each must be declared as.
/// Dialects and code tables are free for stewards to define; these names are the fixed
/// vocabulary of the standard zone (SPEC §3), which code reads by name.
public enum StandardFields {
    public static func known(for type: RecordType) -> [String: FieldKind] {
        switch type {
        case .student:
            return ["school_code": .school, "id_number": .idNumber, "name": .personal, "gender": .code,
                    "birth_date": .date, "grade": .code, "class_name": .text, "status": .code,
                    "registry_no": .pseudonym, "updated_at": .timestamp, "county_code": .text]
        case .teacher:
            return ["school_code": .school, "id_number": .idNumber, "name": .personal, "gender": .code,
                    "birth_date": .date, "staff_no": .pseudonym, "status": .code, "updated_at": .timestamp,
                    "county_code": .text]
        case .attendance:
            return ["school_code": .school, "date": .date, "grade": .code, "class_name": .text,
                    "expected": .count, "present": .count, "updated_at": .timestamp, "county_code": .text]
        }
    }

    /// Fields without which the standard record cannot be built at all.
    public static func essential(for type: RecordType) -> [String] {
        switch type {
        case .student: return ["school_code", "id_number", "gender", "grade", "status", "updated_at"]
        case .teacher: return ["school_code", "id_number", "gender", "status", "updated_at"]
        case .attendance: return ["school_code", "date", "grade", "class_name", "expected", "present", "updated_at"]
        }
    }
}
