/// The three kinds of raw record of SPEC §2.
public enum RecordType: String, Sendable, CaseIterable, Codable {
    case student, teacher, attendance
}
