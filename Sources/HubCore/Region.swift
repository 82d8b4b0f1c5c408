/// The four administrative levels of SPEC §1, from the top.
public enum RegionLevel: String, Sendable, CaseIterable, Codable {
    case province, city, county, school
}

/// The administrative hierarchy: province `330000`, city = county's first 4 digits + `00`,
/// county from the school registry, school = 10-digit school code.
public enum Region {
    public static let province = "330000"

    public static func city(ofCounty county: String) -> String {
        String(county.prefix(4)) + "00"
    }

    /// The (level, region code) pairs a school's record counts towards, top-down.
    public static func path(school: String, county: String) -> [(RegionLevel, String)] {
        [(.province, province), (.city, city(ofCounty: county)), (.county, county), (.school, school)]
    }

    /// A registry county code: six digits starting with `33`.
    public static func isValidCounty(_ code: String) -> Bool {
        let b = Array(code.utf8)
        return b.count == 6 && b[0] == UInt8(ascii: "3") && b[1] == UInt8(ascii: "3")
            && b.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
