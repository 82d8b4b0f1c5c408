import HubCore
import Testing
import Topology

/// The `regions:` section: Zhejiang's shipped names, and the mistakes a steward can make in it
/// (each checked by `TopologyIssueTests.oneIssue`: one issue at the right line).
@Suite("Topology: region names")
struct RegionTopologyTests {
    static let cases: [BrokenTopology] = [
        BrokenTopology(name: "a city code that is not 33xx00", file: "regions.yaml",
                       old: "    \"330200\":\n", new: "    \"330201\":\n",
                       lineWith: "\"330201\":", message: "\"330201\" is not a city code"),
        BrokenTopology(name: "a county under another city", file: "regions.yaml",
                       old: "\"330203\": { zh: 海曙区", new: "\"330303\": { zh: 海曙区",
                       lineWith: "\"330303\": { zh: 海曙区", message: "county 330303 does not belong to city 330200"),
        BrokenTopology(name: "a county code ending in 00", file: "regions.yaml",
                       old: "\"330205\": { zh: 江北区", new: "\"330300\": { zh: 江北区",
                       lineWith: "\"330300\": { zh: 江北区", message: "is not a county code"),
        BrokenTopology(name: "a county without its English name", file: "regions.yaml",
                       old: "{ zh: 鄞州区, en: Yinzhou District }", new: "{ zh: 鄞州区 }",
                       lineWith: "{ zh: 鄞州区 }", message: "county 330212 is missing \"en\""),
        BrokenTopology(name: "a county named twice", file: "regions.yaml",
                       old: "\"330206\": { zh: 北仑区", new: "\"330205\": { zh: 北仑区",
                       lineWith: "\"330205\": { zh: 北仑区", message: "duplicate key \"330205\""),
        BrokenTopology(name: "another province code", file: "regions.yaml",
                       old: "  code: \"330000\"\n", new: "  code: \"320000\"\n",
                       lineWith: "code: \"320000\"", message: "the province code is 330000"),
        BrokenTopology(name: "an unknown key", file: "regions.yaml",
                       old: "      zh: 温州市\n", new: "      zh: 温州市\n      pinyin: Wenzhou\n",
                       lineWith: "pinyin: Wenzhou", message: "unknown key \"pinyin\""),
    ]

    @Test("the shipped names: the province, its 11 cities and 90 counties, each under its city")
    func shippedRegions() throws {
        let topology = try TopologyLoader.load(directory: TopologyFixtures.directory)
        let regions = topology.regions
        #expect(regions.regions.filter { $0.level == .province }.map(\.code) == ["330000"])
        let cities = regions.children(of: "330000")
        #expect(cities.map(\.code) == ["330100", "330200", "330300", "330400", "330500", "330600", "330700", "330800",
                                       "330900", "331000", "331100"])
        #expect(cities.map(\.zh) == ["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市", "台州市", "丽水市"])
        let counties = regions.regions.filter { $0.level == .county }
        #expect(counties.count == 90)
        for c in counties {
            #expect(c.parent == Region.city(ofCounty: c.code), "\(c.code)")
            #expect(!c.zh.isEmpty && !c.en.isEmpty)
        }
        #expect(regions.children(of: "330100").count == 13)
        #expect(regions.region("330106")?.zh == "西湖区")
        #expect(regions.region("330383")?.en == "Longgang City")
        #expect(regions.region("331127")?.zh == "景宁畲族自治县")
        // Abolished in 2021 (merged into Shangcheng and Gongshu): not listed, so shown by code alone.
        #expect(regions.region("330103") == nil && regions.region("330104") == nil)
    }

    @Test("a region named in two files is reported in the second")
    func namedTwice() throws {
        let extra = "regions:\n  zh: 浙江\n  en: Zhejiang\n  cities:\n    \"330100\": { zh: 杭州, en: Hangzhou }\n"
        let issues = TopologyFixtures.issues(TopologyFixtures.sources(adding: [("zz_regions.yaml", extra)]))
        #expect(issues.map(\.file) == ["zz_regions.yaml", "zz_regions.yaml"], "\(issues)")
        #expect(issues.allSatisfy { $0.message.contains("is already named in regions.yaml") })
    }

    @Test("a topology without regions loads; every code then shows as itself")
    func optional() throws {
        let sources = TopologyFixtures.sources().filter { $0.file != "regions.yaml" }
        let topology = try TopologyLoader.load(sources: sources)
        #expect(topology.regions.isEmpty)
        #expect(topology.regions.region("330106") == nil)
    }
}
