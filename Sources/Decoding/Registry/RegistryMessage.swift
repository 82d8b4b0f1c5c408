import HubCore

/// One `ref.school` message read as SPEC §1 says, by everyone who follows the registry (the
/// transform's lookup table, the archive's `school_registry`), so they never disagree.
///
/// The key is the school code (trimmed); when the key is absent or blank the value's
/// `school_code` is used. Only a 10-digit code names a school (SPEC §1): a message naming
/// anything else is ignored, so every school a standard record or a region names is one. A value that is one JSON object with a 6-digit `33xxxx`
/// `county_code` registers the school; a null or zero-length value deletes it, and so does any
/// other value (``isMalformedDelete`` tells the two apart for logging). `name` and `stage` are
/// taken when they are text, trimmed; they never change what the message means.
public struct RegistryMessage: Sendable, Hashable {
    /// nil when neither the key nor the value names a school: the message is ignored.
    public var school: String?
    /// nil: the message deletes the school.
    public var county: String?
    public var name: String?
    public var stage: String?
    /// A non-empty value that is not a school with a valid county (treated as a delete).
    public var isMalformedDelete: Bool

    public init(school: String?, county: String?, name: String? = nil, stage: String? = nil, isMalformedDelete: Bool = false) {
        self.school = school
        self.county = county
        self.name = name
        self.stage = stage
        self.isMalformedDelete = isMalformedDelete
    }

    /// Reads one message; never fails (anything unreadable is a delete).
    public static func read(key: [UInt8]?, value: [UInt8]?) -> RegistryMessage {
        var school = key.map { String(decoding: $0, as: UTF8.self).trimmingASCIIWhitespace() }
        if school?.isEmpty == true { school = nil }
        guard let value, !value.isEmpty else {
            return RegistryMessage(school: school.flatMap { SchoolCode.isValid($0) ? $0 : nil }, county: nil)
        }
        var county: String?
        var name: String?
        var stage: String?
        if case .records(let records) = MessageDecoding.decode(value: value, headers: []), records.count == 1,
           case .record(let record) = records[0] {
            for field in record.fields {
                switch (field.name, field.value) {
                case ("county_code", .string(let s)), ("county_code", .integer(let s)):
                    let code = s.trimmingASCIIWhitespace()
                    if Region.isValidCounty(code) { county = code }
                case ("school_code", .string(let s)), ("school_code", .integer(let s)):
                    if school == nil {
                        let code = s.trimmingASCIIWhitespace()
                        if !code.isEmpty { school = code }
                    }
                case ("name", .string(let s)):
                    name = s.trimmingASCIIWhitespace()
                case ("stage", .string(let s)):
                    stage = s.trimmingASCIIWhitespace()
                default:
                    break
                }
            }
        }
        if let s = school, !SchoolCode.isValid(s) { school = nil }
        // Text PostgreSQL cannot store is not a name (the archive keeps names).
        if name?.utf8.contains(0) == true { name = nil }
        if stage?.utf8.contains(0) == true { stage = nil }
        guard let county else { return RegistryMessage(school: school, county: nil, isMalformedDelete: true) }
        return RegistryMessage(school: school, county: county, name: name.flatMap { $0.isEmpty ? nil : $0 },
                               stage: stage.flatMap { $0.isEmpty ? nil : $0 })
    }
}
