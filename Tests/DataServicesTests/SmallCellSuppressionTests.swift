import DataServices
import HubCore
import Testing

/// The suppression pattern against an attacker who knows every published cell, the table's
/// sums (region hierarchy, grade and gender margins) and that each suppressed cell is at least 1:
/// interval propagation over every sum until nothing narrows. Written here independently of the
/// production rule.
@Suite("Small-cell suppression")
struct SmallCellSuppressionTests {
    /// A province → 2 cities → counties → schools table of grade × gender counts.
    struct Fixture {
        var base: [CellKey: Int64] = [:]
        var parent: [String: String] = [:]
        var schools: [String] = []

        init(seed: UInt64, small: Bool) {
            var rng = SplitMix64(seed: seed)
            let all = CellKey.all
            var schoolCells: [String: [[Int64]: Int64]] = [:]
            for city in ["330100", "330200"] {
                parent[city] = "330000"
                for c in 1...Int(2 + rng.next() % 2) {
                    let county = String(city.prefix(4)) + String(format: "%02d", c)
                    parent[county] = city
                    for s in 1...Int(2 + rng.next() % 3) {
                        let school = "31" + county.dropFirst(2) + String(format: "%04d", s)
                        parent[school] = county
                        schools.append(school)
                        var cells: [[Int64]: Int64] = [:]
                        for g: Int64 in [11, 12, 13] {
                            for sex: Int64 in [1, 2] {
                                cells[[g, sex]] = Int64(rng.next() % (small ? 9 : 40))
                            }
                        }
                        schoolCells[school] = cells
                    }
                }
            }
            // Every level's rows, as the aggregate tables hold them (zero rows left out).
            for (school, cells) in schoolCells {
                var region: String? = school
                while let r = region {
                    for (k, v) in cells where v > 0 { base[CellKey(region: r, coordinates: k), default: 0] += v }
                    region = r == "330000" ? nil : parent[r]
                }
            }
            _ = all
        }
    }

    /// Published cells + sums → bounds of every suppressed cell.
    static func attack(_ table: SuppressedTable, parent: [String: String]) -> [CellKey: (lo: Int64, hi: Int64)] {
        let all = CellKey.all
        var cells = Set(table.values.keys)
        // The attacker also knows which cells exist (zero cells are absent and read as 0).
        var sums: [(CellKey, [CellKey])] = []
        // One sum per (total, dimension summed over): a region's total over grades and over
        // genders are two different sums.
        struct SumKey: Hashable { var total: CellKey; var dimension: Int }
        var byParent: [SumKey: [CellKey]] = [:]
        for key in cells {
            if let p = parent[key.region] { byParent[SumKey(total: CellKey(region: p, coordinates: key.coordinates), dimension: -1), default: []].append(key) }
            for d in 0..<2 where key.coordinates[d] != all {
                var c = key.coordinates
                c[d] = all
                byParent[SumKey(total: CellKey(region: key.region, coordinates: c), dimension: d), default: []].append(key)
            }
        }
        for (p, children) in byParent where cells.contains(p.total) { sums.append((p.total, children)) }
        var lo: [CellKey: Int64] = [:]
        var hi: [CellKey: Int64] = [:]
        let big: Int64 = 1 << 40
        for key in cells {
            if table.isSuppressed(key) {
                lo[key] = 1
                hi[key] = big
            } else {
                lo[key] = table.values[key] ?? 0
                hi[key] = lo[key]
            }
        }
        var changed = true
        var rounds = 0
        while changed && rounds < 200 {
            changed = false
            rounds += 1
            for (p, children) in sums {
                func add(_ a: Int64, _ b: Int64) -> Int64 { min(big, a + b) }
                let sumLo = children.reduce(Int64(0)) { add($0, lo[$1] ?? 0) }
                let sumHi = children.reduce(Int64(0)) { add($0, hi[$1] ?? 0) }
                // The parent lies within [Σ lo, Σ hi] of its parts …
                if let l = lo[p], sumLo > l { lo[p] = sumLo; changed = true }
                if let h = hi[p], sumHi < h { hi[p] = sumHi; changed = true }
                // … and each part within [parent.lo − Σ others' hi, parent.hi − Σ others' lo].
                for c in children {
                    let othersLo = children.reduce(Int64(0)) { $1 == c ? $0 : add($0, lo[$1] ?? 0) }
                    let othersHi = children.reduce(Int64(0)) { $1 == c ? $0 : add($0, hi[$1] ?? 0) }
                    if let ph = hi[p], ph < big, ph - othersLo < (hi[c] ?? 0) { hi[c] = ph - othersLo; changed = true }
                    if othersHi < big, let pl = lo[p], pl - othersHi > (lo[c] ?? 0) { lo[c] = pl - othersHi; changed = true }
                }
            }
        }
        cells = cells.filter { table.isSuppressed($0) }
        return Dictionary(uniqueKeysWithValues: cells.map { ($0, (lo[$0] ?? 0, hi[$0] ?? 0)) })
    }

    @Test("every small count is suppressed, no suppressed cell is recovered from the sums", arguments: Array(UInt64(1)...24))
    func cannotRecover(seed: UInt64) {
        let f = Fixture(seed: seed, small: seed % 2 == 0)
        let k = 5
        let table = SuppressedTable(base: f.base, parent: { f.parent[$0] }, summable: [true, true], k: k)
        for (key, v) in table.values where v >= 1 && v < Int64(k) {
            #expect(table.isSuppressed(key), "small cell \(key) = \(v) published")
        }
        for key in table.suppressed { #expect((table.values[key] ?? 0) >= 1, "a zero cell was suppressed") }
        let bounds = Self.attack(table, parent: f.parent)
        for (key, b) in bounds {
            let v = table.values[key] ?? 0
            #expect(b.lo <= v && v <= b.hi, "attack bounds are wrong for \(key)")
            #expect(b.lo < b.hi, "suppressed cell \(key) = \(v) recovered exactly: [\(b.lo), \(b.hi)]")
        }
    }

    @Test("a lone small cell forces a second one in its row, its column and its parent's sum")
    func complementary() {
        let all = CellKey.all
        // One county with two schools; school A has one girl in grade 11.
        let parent = ["3100000001": "330106", "3100000002": "330106", "330106": "330100", "330100": "330000"]
        var base: [CellKey: Int64] = [:]
        let a: [[Int64]: Int64] = [[11, 1]: 20, [11, 2]: 1, [12, 1]: 30, [12, 2]: 25]
        let b: [[Int64]: Int64] = [[11, 1]: 40, [11, 2]: 35, [12, 1]: 50, [12, 2]: 45]
        for (school, cells) in [("3100000001", a), ("3100000002", b)] {
            for (k, v) in cells {
                for r in [school, "330106", "330100", "330000"] { base[CellKey(region: r, coordinates: k), default: 0] += v }
            }
        }
        let t = SuppressedTable(base: base, parent: { parent[$0] }, summable: [true, true], k: 5)
        #expect(t.isSuppressed(CellKey(region: "3100000001", coordinates: [11, 2])))
        #expect(t.primaryCount == 1)
        // Row (grade 11 of school A), column (girls of school A) and the county's sum each hold another suppressed cell.
        let row = [[Int64(11), 1], [11, all]].map { CellKey(region: "3100000001", coordinates: $0) }
        #expect(row.contains { t.isSuppressed($0) })
        let column = [[Int64(12), 2], [all, 2]].map { CellKey(region: "3100000001", coordinates: $0) }
        #expect(column.contains { t.isSuppressed($0) })
        #expect(t.isSuppressed(CellKey(region: "3100000002", coordinates: [11, 2])) || t.isSuppressed(CellKey(region: "330106", coordinates: [11, 2])))
        let bounds = Self.attack(t, parent: parent)
        for (key, b) in bounds { #expect(b.lo < b.hi, "\(key) recovered") }
    }

    @Test("large counts and zeros are published as they are")
    func nothingSmall() {
        let base: [CellKey: Int64] = [CellKey(region: "330000", coordinates: []): 100, CellKey(region: "330100", coordinates: []): 60,
                    CellKey(region: "330200", coordinates: []): 40]
        let t = SuppressedTable(base: base, parent: { $0 == "330000" ? nil : "330000" }, summable: [], k: 5)
        #expect(t.suppressed.isEmpty)
    }
}
