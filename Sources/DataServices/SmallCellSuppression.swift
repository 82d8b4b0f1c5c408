/// One published cell: a region and its other coordinates (grade, gender, a day as a number
/// …); ``CellKey/all`` in a coordinate is the margin over that dimension.
public struct CellKey: Hashable, Sendable {
    public static let all = Int64.min

    public var region: String
    public var coordinates: [Int64]

    public init(region: String, coordinates: [Int64]) {
        self.region = region
        self.coordinates = coordinates
    }
}

/// Small-cell suppression with complementary suppression over a hierarchical table.
///
/// **The table.** Every figure a client can obtain about one aggregate is a cell of one
/// table: the rows of every level (province, city, county, school — the region dimension,
/// where a region's cell is the sum of its children's) crossed with the other dimensions; a
/// dimension marked `summable` (grade, gender) also has a margin cell, the sum over its
/// values (e.g. a region's total over grades). Each sum is an *equation*: parent = Σ children,
/// along one dimension with the others fixed. A client who knows the published cells of an
/// equation learns the sum of its suppressed ones.
///
/// **The rule** (k ≥ 2):
/// 1. Primary: a cell with 1 ≤ count ≤ k−1 is suppressed.
/// 2. Complementary, until no equation changes: in an equation whose parent is published,
///    the suppressed children's sum S is known; with m suppressed children each ≥ 1, each is
///    at most S − (m − 1). So m = 1 (exact recovery) and S − (m − 1) < k (all small, and with
///    S = m exactly known) are not allowed: the smallest positive published child is
///    suppressed as well, or the parent when no child is left. In an equation whose parent
///    is suppressed, at least one child must be suppressed too (or the parent is their sum).
///
/// 3. Then an attacker is simulated: interval propagation over all the sums together (each
///    suppressed cell starts at [1, ∞)); a cell it pins exactly gets one more suppressed cell
///    in one of its sums, and 2–3 repeat until no cell is pinned.
///
/// The pattern is a function of the whole exact table, never of a request's filters or the
/// client, so two requests cannot be combined to undo it; a client sees a subset of it.
/// Zero cells are never suppressed (0 is not a small count), and every suppressed cell is
/// at least 1.
public struct SuppressedTable: Sendable {
    public let k: Int
    public let values: [CellKey: Int64]
    public let suppressed: Set<CellKey>
    public let primaryCount: Int

    public func isSuppressed(_ key: CellKey) -> Bool { suppressed.contains(key) }

    /// - Parameters:
    ///   - base: the exact cells of every level (margins are added here).
    ///   - parent: a region's parent region (school → county → city → province → nil).
    ///   - summable: per coordinate, whether the table also publishes its margin.
    public init(base: [CellKey: Int64], parent: (String) -> String?, summable: [Bool], k: Int) {
        self.k = k
        var values = base
        // Margins over every non-empty subset of the summable coordinates.
        let summableIndices = summable.indices.filter { summable[$0] }
        if !summableIndices.isEmpty {
            for (key, value) in base {
                for mask in 1..<(1 << summableIndices.count) {
                    var c = key.coordinates
                    for (bit, index) in summableIndices.enumerated() where mask & (1 << bit) != 0 { c[index] = CellKey.all }
                    values[CellKey(region: key.region, coordinates: c), default: 0] += value
                }
            }
        }
        self.values = values

        // Index cells and build the equations.
        let keys = Array(values.keys)
        var index: [CellKey: Int] = [:]
        index.reserveCapacity(keys.count)
        for (i, key) in keys.enumerated() { index[key] = i }
        let value = keys.map { values[$0] ?? 0 }
        var groups: [CellKey: [Int]] = [:]
        var equations: [(parent: Int, children: [Int])] = []
        for (i, key) in keys.enumerated() {
            if let p = parent(key.region) {
                groups[CellKey(region: "r:" + p, coordinates: key.coordinates), default: []].append(i)
            }
        }
        for (g, children) in groups {
            let parentKey = CellKey(region: String(g.region.dropFirst(2)), coordinates: g.coordinates)
            if let p = index[parentKey] { equations.append((p, children)) }
        }
        for d in summableIndices {
            var byMargin: [CellKey: [Int]] = [:]
            for (i, key) in keys.enumerated() where key.coordinates[d] != CellKey.all {
                var c = key.coordinates
                c[d] = CellKey.all
                byMargin[CellKey(region: key.region, coordinates: c), default: []].append(i)
            }
            for (marginKey, children) in byMargin {
                if let p = index[marginKey] { equations.append((p, children)) }
            }
        }

        var isSuppressed = value.map { $0 >= 1 && $0 < Int64(k) }
        primaryCount = isSuppressed.filter { $0 }.count
        var equationsOf: [[Int]] = Array(repeating: [], count: keys.count)
        for (e, eq) in equations.enumerated() {
            equationsOf[eq.parent].append(e)
            for c in eq.children { equationsOf[c].append(e) }
        }
        var rounds = 0
        while true {
            Self.complete(&isSuppressed, equations: equations, value: value, k: k)
            // The sums are checked one at a time above; together they can still pin a cell
            // (a row total known from a column, say). Interval propagation over every sum finds
            // such a cell; one more cell of one of its sums is suppressed and the rule runs again.
            let pinned = Self.pinnedCells(isSuppressed, equations: equations, equationsOf: equationsOf, value: value)
            rounds += 1
            guard !pinned.isEmpty, rounds < 1_000 else { break }
            var added = false
            var opened = Set<Int>()
            for cell in pinned where !equationsOf[cell].contains(where: opened.contains) {
                for e in equationsOf[cell] {
                    let eq = equations[e]
                    let candidates = ([eq.parent] + eq.children).filter { !isSuppressed[$0] && value[$0] > 0 }
                    if let smallest = candidates.min(by: { value[$0] < value[$1] }) {
                        isSuppressed[smallest] = true
                        opened.insert(e)
                        added = true
                        break
                    }
                }
            }
            if !added { break }
        }
        suppressed = Set(keys.indices.filter { isSuppressed[$0] }.map { keys[$0] })
    }

    /// Rule 2 to a fixed point.
    static func complete(_ isSuppressed: inout [Bool], equations: [(parent: Int, children: [Int])], value: [Int64], k: Int) {
        var changed = true
        while changed {
            changed = false
            for eq in equations {
                var m = 0
                var sum: Int64 = 0
                var smallest: Int?
                for c in eq.children {
                    if isSuppressed[c] {
                        m += 1
                        sum += value[c]
                    } else if value[c] > 0, smallest.map({ value[c] < value[$0] }) ?? true {
                        smallest = c
                    }
                }
                if isSuppressed[eq.parent] {
                    if m == 0, let s = smallest {
                        isSuppressed[s] = true
                        changed = true
                    }
                } else if m > 0 && (m == 1 || sum - Int64(m - 1) < Int64(k)) {
                    if let s = smallest {
                        isSuppressed[s] = true
                    } else {
                        isSuppressed[eq.parent] = true
                    }
                    changed = true
                }
            }
        }
    }

    /// Suppressed cells whose value an attacker pins exactly: bounds start at [1, ∞) for a
    /// suppressed cell and the value for a published one, and every sum narrows its total and
    /// its parts until nothing changes.
    static func pinnedCells(_ isSuppressed: [Bool], equations: [(parent: Int, children: [Int])], equationsOf: [[Int]],
                            value: [Int64]) -> [Int] {
        let unbounded = Int64.max / 4
        var lo = value.indices.map { isSuppressed[$0] ? Int64(1) : value[$0] }
        var hi = value.indices.map { isSuppressed[$0] ? unbounded : value[$0] }
        // Only sums with a suppressed member can narrow anything.
        var queue = Set(equations.indices.filter { e in
            isSuppressed[equations[e].parent] || equations[e].children.contains { isSuppressed[$0] }
        })
        var steps = 0
        while let e = queue.popFirst(), steps < 2_000_000 {
            steps += 1
            let eq = equations[e]
            var touched: [Int] = []
            var sumLo: Int64 = 0
            var finiteHi: Int64 = 0
            var openParts = 0
            for c in eq.children {
                sumLo += lo[c]
                if hi[c] >= unbounded { openParts += 1 } else { finiteHi += hi[c] }
            }
            let p = eq.parent
            if sumLo > lo[p] { lo[p] = sumLo; touched.append(p) }
            if openParts == 0, finiteHi < hi[p] { hi[p] = finiteHi; touched.append(p) }
            for c in eq.children where isSuppressed[c] {
                let othersLo = sumLo - lo[c]
                if hi[p] < unbounded, hi[p] - othersLo < hi[c] { hi[c] = hi[p] - othersLo; touched.append(c) }
                let othersOpen = openParts - (hi[c] >= unbounded ? 1 : 0)
                if othersOpen == 0 {
                    let othersHi = finiteHi - (hi[c] >= unbounded ? 0 : hi[c])
                    if lo[p] - othersHi > lo[c] { lo[c] = lo[p] - othersHi; touched.append(c) }
                }
            }
            for cell in touched { for other in equationsOf[cell] where other != e { queue.insert(other) } }
        }
        return value.indices.filter { isSuppressed[$0] && lo[$0] >= hi[$0] }
    }

    /// The words of the rule, for response metadata and the console.
    public static func ruleText(k: Int) -> String {
        "counts from 1 to \(k - 1) are suppressed (k = \(k)); further cells are suppressed so that no suppressed cell can be "
            + "recomputed from its row, its column or its region's parent (every sum with a suppressed cell has at least two, "
            + "and their known total exceeds what small cells alone could make)"
    }
}
