import HubCore
import Testing

@Suite("Region hierarchy")
struct RegionTests {
    @Test("a county's city is its first four digits and 00")
    func city() {
        #expect(Region.city(ofCounty: "330106") == "330100")
        #expect(Region.city(ofCounty: "330212") == "330200")
        #expect(Region.city(ofCounty: "331082") == "331000")
    }

    @Test("a school counts towards province, city, county and itself, top-down")
    func path() {
        let path = Region.path(school: "3133001234", county: "330106")
        #expect(path.map(\.0) == [.province, .city, .county, .school])
        #expect(path.map(\.1) == ["330000", "330100", "330106", "3133001234"])
        #expect(RegionLevel.allCases == path.map(\.0))
    }

    @Test("registry county codes are six digits starting with 33", arguments: [
        ("330106", true), ("331082", true), ("330000", true),
        ("320106", false), ("33010", false), ("3301066", false), ("33010a", false), ("", false),
        (" 330106", false), ("３３0106", false),
    ])
    func validCounty(code: String, valid: Bool) {
        #expect(Region.isValidCounty(code) == valid)
    }
}
