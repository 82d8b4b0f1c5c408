/// The three kinds of raw record of SPEC §2.
public enum RecordType: String, Sendable, CaseIterable, Codable {
    case student, teacher, attendance

    /// The small integer stored for the type in compact encodings and PostgreSQL columns.
    public var wireCode: UInt8 {
        switch self {
        case .student: return 1
        case .teacher: return 2
        case .attendance: return 3
        }
    }

    public init?(wireCode: UInt8) {
        switch wireCode {
        case 1: self = .student
        case 2: self = .teacher
        case 3: self = .attendance
        default: return nil
        }
    }
}
