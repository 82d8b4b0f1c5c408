import HubCore

/// The name of one administrative region (GB/T 2260): the province, a city or a county, in
/// Chinese and in English (pinyin), with the region above it.
public struct RegionName: Sendable, Hashable, Codable {
    public var code: String
    public var level: RegionLevel
    /// nil for the province.
    public var parent: String?
    public var zh: String
    public var en: String

    public init(code: String, level: RegionLevel, parent: String?, zh: String, en: String) {
        self.code = code
        self.level = level
        self.parent = parent
        self.zh = zh
        self.en = en
    }
}

/// Every named region of the topology (`regions:`), looked up by code. A code without a name
/// (a new county, a school) is still shown, as its code alone.
public struct RegionDirectory: Sendable {
    public private(set) var regions: [RegionName]
    private var byCode: [String: Int]

    public init(_ regions: [RegionName] = []) {
        self.regions = regions
        byCode = [:]
        for (i, r) in regions.enumerated() where byCode[r.code] == nil { byCode[r.code] = i }
    }

    public func region(_ code: String) -> RegionName? { byCode[code].map { regions[$0] } }

    public var isEmpty: Bool { regions.isEmpty }

    /// The regions one level below `code`, in code order.
    public func children(of code: String) -> [RegionName] {
        regions.filter { $0.parent == code }.sorted { $0.code < $1.code }
    }
}
