import HubCore
import Yams

/// Reads the `regions:` section: the province with its cities, each city with its counties,
/// every one with `zh` and `en` names. Codes are checked against SPEC §1's shapes (a city is
/// `33xx00`, a county shares its city's first four digits and does not end in `00`), and a
/// code may be named only once across all files.
struct RegionParser {
    let reader: YAMLReader

    func parse(_ node: Node?) -> [RegionName] {
        guard let node else { return [] }
        let e = reader.mapping(node, "regions", allowedKeys: ["code", "zh", "en", "cities"])
        var out: [RegionName] = []
        let code = e["code"].flatMap { reader.string($0, "code") } ?? Region.province
        if code != Region.province { reader.issue(e["code"], "the province code is \(Region.province), not \(code)") }
        if let province = named(code, .province, parent: nil, entries: e, node: node) { out.append(province) }
        for (city, cityKey, cityNode) in reader.mapping(reader.required(e, "cities", in: node, "regions"), "cities") {
            guard isCity(city) else {
                reader.issue(cityKey, "\"\(city)\" is not a city code: six digits 33xx00 other than 330000")
                continue
            }
            let c = reader.mapping(cityNode, "city \(city)", allowedKeys: ["zh", "en", "counties"])
            if let name = named(city, .city, parent: Region.province, entries: c, node: cityNode) { out.append(name) }
            for (county, countyKey, countyNode) in reader.mapping(c["counties"], "counties of \(city)") {
                guard Region.isValidCounty(county), !county.hasSuffix("00") else {
                    reader.issue(countyKey, "\"\(county)\" is not a county code: six digits 33xxxx not ending in 00")
                    continue
                }
                guard Region.city(ofCounty: county) == city else {
                    reader.issue(countyKey, "county \(county) does not belong to city \(city) (its city is \(Region.city(ofCounty: county)))")
                    continue
                }
                let k = reader.mapping(countyNode, "county \(county)", allowedKeys: ["zh", "en"])
                if let name = named(county, .county, parent: city, entries: k, node: countyNode) { out.append(name) }
            }
        }
        return out
    }

    private func named(_ code: String, _ level: RegionLevel, parent: String?,
                       entries: [(key: String, keyNode: Node, value: Node)], node: Node) -> RegionName? {
        let what = "\(level.rawValue) \(code)"
        let zh = reader.required(entries, "zh", in: node, what).flatMap { reader.string($0, "zh") }
        let en = reader.required(entries, "en", in: node, what).flatMap { reader.string($0, "en") }
        guard let zh, let en else { return nil }
        return RegionName(code: code, level: level, parent: parent, zh: zh, en: en)
    }

    private func isCity(_ code: String) -> Bool {
        Region.isValidCounty(code) && code.hasSuffix("00") && code != Region.province
    }
}
