/// A steward's regular expression, compiled once. Matching does not mutate the compiled
/// program, so one instance is shared by concurrent batches.
///
/// A pattern that is a fixed-length sequence of ASCII letters, digits and bracketed classes of
/// them (ranges allowed), each optionally repeated `{n}` times — `[GL][0-9]{17}[0-9X]` — is
/// also compiled to one byte set per position. A value of printable ASCII is then matched
/// byte by byte: there every character is one byte and one grapheme, so the sets and Swift's
/// `Regex` (grapheme semantics) agree, and the check costs no `Regex` run (about 1.5 µs).
/// Any other pattern or value goes to the `Regex`.
final class CompiledPattern: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>?
    /// Per position of a match, the ASCII bytes allowed there; nil when the pattern is not of
    /// the fixed form.
    private let positions: [ASCIISet]?

    init(_ pattern: String) {
        regex = try? Regex(pattern)
        positions = regex == nil ? nil : Self.fixedPositions(Array(pattern.utf8))
    }

    func matches(_ text: String) -> Bool {
        guard let regex else { return false }
        if let positions, let fixed = Self.matchesPrintableASCII(text.utf8, positions) { return fixed }
        return (try? regex.wholeMatch(in: text)) != nil
    }

    /// Whether `utf8` matches the positions; nil when a byte is not printable ASCII.
    private static func matchesPrintableASCII(_ utf8: String.UTF8View, _ positions: [ASCIISet]) -> Bool? {
        var i = 0
        var matched = true
        for b in utf8 {
            guard b >= 0x20, b < 0x7F else { return nil }
            if i < positions.count { matched = matched && positions[i].contains(b) }
            i += 1
        }
        return matched && i == positions.count
    }

    /// The byte set of each position of a fixed-form pattern; nil for any other pattern.
    static func fixedPositions(_ p: [UInt8]) -> [ASCIISet]? {
        var out: [ASCIISet] = []
        var i = 0
        while i < p.count {
            let atom: ASCIISet
            if ASCIISet.isPlain(p[i]) {
                atom = ASCIISet(p[i])
                i += 1
            } else if p[i] == UInt8(ascii: "[") {
                guard let (set, end) = bracket(p, from: i + 1) else { return nil }
                atom = set
                i = end
            } else {
                return nil
            }
            var count = 1
            if i < p.count, p[i] == UInt8(ascii: "{") {
                guard let (n, end) = repetition(p, from: i + 1) else { return nil }
                count = n
                i = end
            }
            out.append(contentsOf: repeatElement(atom, count: count))
        }
        return out
    }

    /// A class `[…]` of letters, digits and ranges of them, read from just after its `[`:
    /// the set and the index after its `]`.
    private static func bracket(_ p: [UInt8], from start: Int) -> (ASCIISet, Int)? {
        var set = ASCIISet()
        var i = start
        while i < p.count, p[i] != UInt8(ascii: "]") {
            let first = p[i]
            guard ASCIISet.isPlain(first) else { return nil }
            var last = first
            if i + 2 < p.count, p[i + 1] == UInt8(ascii: "-") {
                last = p[i + 2]
                guard ASCIISet.isPlain(last), first <= last else { return nil }
                i += 3
            } else {
                i += 1
            }
            for b in first...last { set.insert(b) }
        }
        guard i < p.count, i > start else { return nil }
        return (set, i + 1)
    }

    /// A repetition `{n}` (n up to 4 digits), read from just after its `{`: n and the index
    /// after its `}`.
    private static func repetition(_ p: [UInt8], from start: Int) -> (Int, Int)? {
        var n = 0
        var i = start
        while i < p.count, i - start < 4, p[i] >= 0x30, p[i] <= 0x39 {
            n = n * 10 + Int(p[i] - 0x30)
            i += 1
        }
        guard i > start, i < p.count, p[i] == UInt8(ascii: "}") else { return nil }
        return (n, i + 1)
    }
}

/// A set of ASCII bytes, as two 64-bit masks.
struct ASCIISet: Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    init() {}

    init(_ b: UInt8) { insert(b) }

    /// ASCII letters and digits: the only pattern bytes the fixed form allows.
    static func isPlain(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    mutating func insert(_ b: UInt8) {
        if b < 64 { low |= 1 << UInt64(b) } else if b < 128 { high |= 1 << UInt64(b - 64) }
    }

    func contains(_ b: UInt8) -> Bool {
        b < 64 ? (low >> UInt64(b)) & 1 == 1 : b < 128 && (high >> UInt64(b - 64)) & 1 == 1
    }
}
