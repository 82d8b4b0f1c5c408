import HubCore
import PropertyBased
import Testing

/// Properties of HubCore's value rules over generated inputs, each against an implementation
/// written here from the standard's own definition. A failure prints the seed; adding
/// `.fixedSeed("…")` to the test replays exactly that case.
@Suite("HubCore properties")
struct HubCorePropertyTests {
    // MARK: GB 11643 ID numbers

    /// An ID number as the generator builds it: 17 characters, a check character chosen to be
    /// right, right in lower case, or wrong.
    struct IdCase: Sendable, CustomStringConvertible {
        var first17: [UInt8]
        var check: UInt8
        var description: String { String(decoding: first17 + [check], as: UTF8.self) }
    }

    /// ISO 7064 MOD 11-2 as GB 11643 defines it: the digit at position i (1-based from the
    /// right, the check character being position 1) weighs 2^(i−1) mod 11, and the check value
    /// is (12 − Σ mod 11) mod 11, with 10 written as X.
    static func expectedCheck(_ first17: [UInt8]) -> UInt8 {
        var sum = 0
        for (index, digit) in first17.enumerated() {
            var weight = 1
            for _ in 0..<(18 - index - 1) { weight = weight * 2 % 11 }
            sum += Int(digit - UInt8(ascii: "0")) * weight
        }
        let value = (12 - sum % 11) % 11
        return value == 10 ? UInt8(ascii: "X") : UInt8(ascii: "0") + UInt8(value)
    }

    /// Whether year/month/day (as the ID number holds them) is a real Gregorian date, years 1–9999.
    static func isRealDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 400 == 0 || (year % 4 == 0 && year % 100 != 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    static let idCases = zip(
        Gen.int(in: 0...999_999),                 // region
        Gen.int(in: 1890...2110), Gen.int(in: 0...13), Gen.int(in: 0...32),  // birth date, sometimes unreal
        Gen.int(in: 0...999),                     // sequence
        Gen.int(in: 0...5),                       // 0-2: right check, 3: lower-case x when X, 4: wrong, 5: a letter
        Gen.int(in: 0...9)                        // how far off a wrong check is
    ).map { region, year, month, day, sequence, checkChoice, offset in
        func digits(_ value: Int, _ width: Int) -> [UInt8] {
            var text = Array(String(value).utf8)
            while text.count < width { text.insert(UInt8(ascii: "0"), at: 0) }
            return text
        }
        let first17 = digits(region, 6) + digits(year, 4) + digits(month, 2) + digits(day, 2) + digits(sequence, 3)
        let right = expectedCheck(first17)
        let check: UInt8
        switch checkChoice {
        case 0...2: check = right
        case 3: check = right == UInt8(ascii: "X") ? UInt8(ascii: "x") : right
        case 4:
            let all = Array("0123456789X".utf8).filter { $0 != right }
            check = all[offset % all.count]
        default: check = Array("xYA ".utf8)[offset % 4]
        }
        return IdCase(first17: first17, check: check)
    }

    @Test("an ID number is valid exactly when its check character and birth date are, and X is canonical")
    func idNumberCheck() async {
        await propertyCheck(count: 1_000, input: Self.idCases) { id in
            let first17 = id.first17
            func number(_ range: Range<Int>) -> Int { Int(String(decoding: first17[range], as: UTF8.self)) ?? -1 }
            let upper = id.check == UInt8(ascii: "x") ? UInt8(ascii: "X") : id.check
            let valid = upper == Self.expectedCheck(first17)
                && Self.isRealDate(year: number(6..<10), month: number(10..<12), day: number(12..<14))
            let expected = valid ? String(decoding: first17 + [upper], as: UTF8.self) : nil
            #expect(IdNumber.canonical(id.description) == expected)
        }
    }

    @Test("completing 17 digits gives the check character of the independent implementation")
    func idNumberCompletion() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...9).array(of: 17)) { digits in
            let first17 = digits.map { UInt8(ascii: "0") + UInt8($0) }
            let completed = IdNumber.completing(String(decoding: first17, as: UTF8.self))
            #expect(completed == String(decoding: first17 + [Self.expectedCheck(first17)], as: UTF8.self))
        }
    }

    // MARK: Trimming

    /// ASCII whitespace (trimmed), Unicode spaces and invisible characters (kept), combining
    /// marks that attach to a preceding space, CRLF, and ordinary text.
    static let trimScalars: [Unicode.Scalar] = [
        " ", "\t", "\n", "\u{0B}", "\u{0C}", "\r",
        "\u{3000}", "\u{00A0}", "\u{2003}", "\u{0085}", "\u{FEFF}", "\u{200B}", "\u{1680}", "\u{0000}", "\u{001F}",
        "\u{0301}", "\u{0308}", "\u{FE0F}", "\u{200D}",
        "a", "Z", "0", "学", "😀", "\"",
    ]

    @Test("trimming removes only leading and trailing ASCII whitespace (space, tab, LF, VT, FF, CR)")
    func trimming() async {
        let strings = Gen.int(in: 0...(Self.trimScalars.count - 1)).array(of: 0...12).map { indices in
            String(String.UnicodeScalarView(indices.map { Self.trimScalars[$0] }))
        }
        await propertyCheck(count: 1_000, input: strings) { text in
            let ascii: Set<Unicode.Scalar> = [" ", "\t", "\n", "\u{0B}", "\u{0C}", "\r"]
            var scalars = Array(text.unicodeScalars)
            while let first = scalars.first, ascii.contains(first) { scalars.removeFirst() }
            while let last = scalars.last, ascii.contains(last) { scalars.removeLast() }
            let trimmed = text.trimmingASCIIWhitespace()
            #expect(Array(trimmed.unicodeScalars) == scalars)
        }
    }
}
