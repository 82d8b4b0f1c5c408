import HubCore
import Postgres

/// What a login role made by `hubctl access grant` may read: one administrative level and
/// region (its rows and the rows of the regions beneath it), or the operators' view.
public enum AccessLevel: String, Sendable, CaseIterable, Codable {
    case province, city, county, school
    /// Reads the quarantine and the private schema (raw bytes), not limited by region.
    case `operator`
}

/// A request to give `role` read access at `level` for `region`, checked before any SQL is
/// built: role names and region codes have fixed shapes, so anything else — quotes,
/// semicolons, spaces, comments — is refused with a message saying what is expected.
public struct AccessGrant: Sendable, Hashable {
    public var role: String
    public var level: AccessLevel
    /// nil for `operator`.
    public var region: String?

    /// Validates every part; the thrown error names the part and the expected shape.
    public init(role: String, level: String, region: String?) throws(AccessError) {
        guard let parsedLevel = AccessLevel(rawValue: level) else {
            throw AccessError("unknown level \"\(level)\"; use one of: " + AccessLevel.allCases.map(\.rawValue).joined(separator: ", "))
        }
        try Self.checkRoleName(role)
        try self.init(role: role, level: parsedLevel, region: region)
    }

    public init(role: String, level: AccessLevel, region: String?) throws(AccessError) {
        try Self.checkRoleName(role)
        switch level {
        case .operator:
            guard region == nil else { throw AccessError("level operator takes no --region") }
        default:
            guard let region else { throw AccessError("level \(level.rawValue) needs --region") }
            try Self.checkRegion(region, level: level)
        }
        self.role = role
        self.level = level
        self.region = region
    }

    /// Names hubctl never creates or drops: PostgreSQL's own, the superuser's and the group roles.
    static let reservedPrefixes = ["pg_", "postgres"]

    /// `^[a-z][a-z0-9_]{2,40}$`, not reserved.
    public static func checkRoleName(_ role: String) throws(AccessError) {
        let bytes = Array(role.utf8)
        let shaped = (3...41).contains(bytes.count) && isLower(bytes[0])
            && bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
        guard shaped else {
            throw AccessError("role name \"\(role)\" is not allowed: use 3–41 characters, a lower-case letter then lower-case letters, digits or _")
        }
        if reservedPrefixes.contains(where: { role.hasPrefix($0) }) || role.hasSuffix("_reader") || role.hasSuffix("_operator")
            || WorkerRole.allCases.contains(where: { role.hasSuffix("_worker_\($0.rawValue)") }) {
            throw AccessError("role name \"\(role)\" is reserved")
        }
    }

    /// The region code shape of each level (SPEC §1): province `330000`; city `33xx00`;
    /// county `33xxxx` not ending in `00`; school 10 digits.
    public static func checkRegion(_ region: String, level: AccessLevel) throws(AccessError) {
        let b = Array(region.utf8)
        let digits = b.allSatisfy(isDigit)
        let valid: Bool
        let expected: String
        switch level {
        case .province:
            valid = region == Region.province
            expected = "330000"
        case .city:
            valid = digits && b.count == 6 && region.hasPrefix("33") && region.hasSuffix("00") && region != Region.province
            expected = "a city code 33xx00, e.g. 330100"
        case .county:
            valid = digits && Region.isValidCounty(region) && !region.hasSuffix("00")
            expected = "a county code 33xxxx not ending in 00, e.g. 330106"
        case .school:
            valid = digits && b.count == 10
            expected = "a 10-digit school code, e.g. 3133001234"
        case .operator:
            valid = false
            expected = "no region"
        }
        guard valid else {
            throw AccessError("region \"\(region)\" is not valid for level \(level.rawValue): expected \(expected)")
        }
    }

    private static func isLower(_ b: UInt8) -> Bool { b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") }
    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}

/// A refused access request or an access-control failure, with the reason in words.
public struct AccessError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// Stored as its raw value in `access_grants.level` and `api_clients.level`.
extension AccessLevel: PGDecodable {}
