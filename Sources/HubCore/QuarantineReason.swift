/// The reason codes of SPEC §4, in the order in which they are checked.
public enum QuarantineReason: String, Sendable, CaseIterable, Codable {
    case tooLarge = "too_large"
    case malformed = "malformed"
    case missingField = "missing_field"
    case invalidIdNumber = "invalid_id_number"
    case invalidCode = "invalid_code"
    case unknownSchool = "unknown_school"
}
