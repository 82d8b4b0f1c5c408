import HubCore
import Testing

/// GB 11643 written out independently of the code under test: weights 7 9 10 5 8 4 2 1 6 3
/// 7 9 10 5 8 4 2, weighted digit sum mod 11 indexes "10X98765432".
private func checkCharacter(_ first17: String) -> Character {
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    let digits = first17.map { Int(String($0))! }
    precondition(digits.count == 17)
    let sum = zip(digits, weights).map { $0 * $1 }.reduce(0, +)
    return Array("10X98765432")[sum % 11]
}

private func valid(_ first17: String) -> String { first17 + String(checkCharacter(first17)) }

@Suite("IdNumber (GB 11643)")
struct IdNumberTests {
    @Test("the test's own checksum agrees with known check characters")
    func referenceChecksum() {
        // Worked out by hand / with a second implementation.
        #expect(checkCharacter("11010519491231002") == "X")
        #expect(checkCharacter("33010619800101001") == "3")
        #expect(checkCharacter("11010520240229001") == "1")
        #expect(checkCharacter("11010520230229001") == "4")
    }

    @Test("valid numbers are returned unchanged", arguments: [
        "11010519491231002", "33010619800101001", "33010620100304123", "44030119900228123",
        "11010520000229001", "11010520240229001", "00000019700101000", "65432119991231999",
    ])
    func validNumbers(first17: String) {
        let id = valid(first17)
        #expect(IdNumber.canonical(id) == id)
    }

    @Test("every check character 0–9 and X occurs and is accepted")
    func allCheckCharacters() {
        var seen: Set<Character> = []
        for serial in 0..<200 {
            let tail = String(serial + 1000).suffix(3)
            let first17 = "33010620100304" + tail
            let id = valid(first17)
            seen.insert(id.last!)
            #expect(IdNumber.canonical(id) == id)
        }
        #expect(seen == Set("0123456789X"))
    }

    @Test("a lower-case x check character is accepted and canonicalised to X")
    func lowerCaseX() {
        #expect(IdNumber.canonical("11010519491231002x") == "11010519491231002X")
        #expect(IdNumber.canonical("11010519491231002X") == "11010519491231002X")
    }

    @Test("every wrong check character is rejected")
    func wrongCheckCharacter() {
        let first17 = "33010619800101001"
        let right = checkCharacter(first17)
        for c in "0123456789Xx" where Character(c.uppercased()) != right {
            #expect(IdNumber.canonical(first17 + String(c)) == nil, "check \(c)")
        }
        #expect(IdNumber.canonical(first17 + "Y") == nil)
    }

    @Test("a changed digit is caught by the checksum")
    func changedDigit() {
        let id = Array(valid("33010619800101001"))
        for i in 0..<17 where i < 6 || i > 13 {
            var changed = id
            let d = Int(String(changed[i]))!
            changed[i] = Character(String((d + 1) % 10))
            #expect(IdNumber.canonical(String(changed)) == nil, "digit \(i)")
        }
    }

    @Test("wrong lengths are rejected")
    func lengths() {
        let id = valid("33010619800101001")
        #expect(IdNumber.canonical(String(id.dropLast())) == nil)
        #expect(IdNumber.canonical(id + "0") == nil)
        #expect(IdNumber.canonical("") == nil)
        // 15-digit first-generation numbers are not accepted.
        #expect(IdNumber.canonical("330106800101001") == nil)
    }

    @Test("non-digits among the first 17 characters are rejected", arguments: [
        "3301061980010100a3", "X30106198001010013", "33010619800101 013", "3301061980-1010013",
        "３３010619800101001３",
    ])
    func nonDigits(id: String) {
        #expect(IdNumber.canonical(id) == nil)
    }

    @Test("spaces are not trimmed here (the caller trims)")
    func spaces() {
        let id = valid("33010619800101001")
        #expect(IdNumber.canonical(" " + id) == nil)
        #expect(IdNumber.canonical(id + " ") == nil)
        #expect(IdNumber.canonical(" " + String(id.dropFirst())) == nil)
    }

    @Test("the embedded birth date must be a real date", arguments: [
        ("11010520230229001", false), // 2023 is not a leap year
        ("11010520240229001", true),  // 2024 is
        ("11010520000229001", true),  // 2000 is (divisible by 400)
        ("11010519000229001", false), // 1900 is not (divisible by 100)
        ("11010520240230001", false), // Feb 30
        ("11010520241301001", false), // month 13
        ("11010520240001001", false), // month 0
        ("11010520240100001", false), // day 0
        ("11010520240431001", false), // April 31
        ("11010500000101001", false), // year 0
    ])
    func embeddedBirthDate(first17: String, isReal: Bool) {
        let id = valid(first17)
        #expect((IdNumber.canonical(id) != nil) == isReal, "\(id)")
    }

    @Test("the birth date of a canonical number")
    func birthDate() {
        #expect(IdNumber.birthDate(ofCanonical: valid("33010620100304123")) == CalendarDate(year: 2010, month: 3, day: 4))
        #expect(IdNumber.birthDate(ofCanonical: "short") == nil)
    }
}
