/// The 18-character resident ID number of GB 11643.
public enum IdNumber {
    private static let weights: [Int] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters: [UInt8] = Array("10X98765432".utf8)

    /// The canonical form (upper-case check character) when `text` is valid: 17 digits, a
    /// check character matching the GB 11643 checksum, and an embedded birth date that is a
    /// real date. Nil otherwise.
    public static func canonical(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        guard bytes.count == 18, let check = checkCharacter(bytes[0..<17]) else { return nil }
        if bytes[17] == UInt8(ascii: "x") { bytes[17] = UInt8(ascii: "X") }
        guard bytes[17] == check else { return nil }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) } }
        guard CalendarDate(year: number(6..<10), month: number(10..<12), day: number(12..<14)) != nil else {
            return nil
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `first17` (17 digits) completed with its GB 11643 check character; nil when it is not
    /// 17 digits. For generating test and sample data; the birth date is not checked.
    public static func completing(_ first17: String) -> String? {
        let bytes = Array(first17.utf8)
        guard bytes.count == 17, let check = checkCharacter(bytes[...]) else { return nil }
        return String(decoding: bytes + [check], as: UTF8.self)
    }

    /// The check character of 17 digits; nil when a byte is not a digit.
    private static func checkCharacter(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var sum = 0
        for (b, w) in zip(digits, weights) {
            guard b >= 0x30, b <= 0x39 else { return nil }
            sum += Int(b - 0x30) * w
        }
        return checkCharacters[sum % 11]
    }

    /// The birth date embedded in a canonical ID number.
    public static func birthDate(ofCanonical id: String) -> CalendarDate? {
        let bytes = Array(id.utf8)
        guard bytes.count == 18 else { return nil }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(bytes[$1] &- 0x30) } }
        return CalendarDate(year: number(6..<10), month: number(10..<12), day: number(12..<14))
    }
}
