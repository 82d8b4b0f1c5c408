import Foundation
import Postgres
import Synchronization

/// Region and school names and the school → county map, read with hub-api's own login (the
/// names are public reference data; what a client may *see* is decided by row-level security).
/// From `hub.regions` and `hub.schools` (the registry of the scenarios work) when they exist,
/// and `hub.school_regions` for every school the pipeline has seen.
struct NameDirectory: Sendable {
    struct Region: Sendable {
        var code: String
        var level: String
        var parent: String?
        var nameZh: String?
        var nameEn: String?
    }

    var regions: [String: Region] = [:]
    /// School code → county code.
    var schoolCounty: [String: String] = [:]
    var schoolName: [String: String] = [:]

    static let empty = NameDirectory()

    static func load(_ db: PGConnection, schema: String) throws -> NameDirectory {
        var d = NameDirectory()
        d.regions["330000"] = Region(code: "330000", level: "province", parent: nil, nameZh: "浙江省", nameEn: "Zhejiang")
        let exists = try db.query("SELECT to_regclass($1) IS NOT NULL AS regions, to_regclass($2) IS NOT NULL AS schools",
                                  bind: "\(schema).regions", "\(schema).schools").firstRow()
        if try exists.decode("regions", as: Bool.self) {
            let r = try db.query("SELECT code, level, parent_code, name_zh, name_en FROM \(schema).regions")
            for row in r.rows {
                let code: String = try row.decode("code")
                d.regions[code] = Region(code: code, level: try row.decode("level"), parent: try row.decodeIfPresent("parent_code"),
                                         nameZh: try row.decode("name_zh"), nameEn: try row.decode("name_en"))
            }
        }
        let sr = try db.query("SELECT school_code, county_code FROM \(schema).school_regions")
        for row in sr.rows { d.schoolCounty[try row.decode("school_code")] = try row.decode("county_code", as: String.self) }
        if try exists.decode("schools", as: Bool.self) {
            // Shape of the registry table may still change; names are optional, so a mismatch is not fatal.
            if let r = try? db.query("SELECT school_code, name, county_code FROM \(schema).schools") {
                for i in 0..<r.rowCount {
                    guard let s = r.value(i, 0) else { continue }
                    if let n = r.value(i, 1) { d.schoolName[s] = n }
                    if let c = r.value(i, 2), d.schoolCounty[s] == nil { d.schoolCounty[s] = c }
                }
            }
        }
        return d
    }

    /// The parent in the published hierarchy: school → county → city → province.
    func parent(of code: String) -> String? {
        if code.utf8.count == 10 { return schoolCounty[code] }
        guard code.utf8.count == 6, code != "330000" else { return nil }
        if code.hasSuffix("00") { return "330000" }
        return String(code.prefix(4)) + "00"
    }

    /// The Chinese name (or English with `english`), nil when unknown.
    func name(of code: String, english: Bool = false) -> String? {
        if code.utf8.count == 10 { return schoolName[code] }
        guard let r = regions[code] else { return nil }
        return english ? (r.nameEn ?? r.nameZh) : (r.nameZh ?? r.nameEn)
    }

    /// Schools whose county is `county`, or whose county lies in city `city`.
    func schools(in region: String) -> [String] {
        if region == "330000" { return schoolCounty.keys.sorted() }
        if region.hasSuffix("00") {
            let prefix = region.prefix(4)
            return schoolCounty.filter { $0.value.hasPrefix(prefix) }.keys.sorted()
        }
        return schoolCounty.filter { $0.value == region }.keys.sorted()
    }

    /// Counties seen (from schools) and from the region list.
    func children(of code: String) -> [String] {
        var out = Set<String>()
        for r in regions.values where r.parent == code { out.insert(r.code) }
        switch code.utf8.count {
        case 6 where code == "330000":
            for c in schoolCounty.values { out.insert(String(c.prefix(4)) + "00") }
        case 6 where code.hasSuffix("00"):
            for c in schoolCounty.values where c.hasPrefix(code.prefix(4)) { out.insert(c) }
        case 6:
            for (s, c) in schoolCounty where c == code { out.insert(s) }
        default:
            break
        }
        return out.sorted()
    }
}
