/// The 18-character resident ID number of GB 11643.
public enum IdNumber {
    private static let weights: [Int] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters: [UInt8] = Array("10X98765432".utf8)

    /// The canonical form (upper-case check character) when `text` is valid: 17 digits, a
    /// check character matching the GB 11643 checksum, and an embedded birth date that is a
    /// real date. Nil otherwise. Reads the text in place: no copy unless the check character
    /// is a lower-case `x`.
    public static func canonical(_ text: String) -> String? { canonicalWithBirthDate(text)?.id }

    /// ``canonical(_:)`` and the embedded birth date, from one reading of the text.
    public static func canonicalWithBirthDate(_ text: String) -> (id: String, birthDate: CalendarDate)? {
        guard let scan = Scan(text), scan.count == 18 else { return nil }
        let check = scan.last == UInt8(ascii: "x") ? UInt8(ascii: "X") : scan.last
        guard check == checkCharacters[scan.sum % 11], let birthDate = scan.birthDate else { return nil }
        return (check == scan.last ? text : String(decoding: text.utf8.prefix(17), as: UTF8.self) + "X", birthDate)
    }

    /// The first 17 bytes of an ID number read as digits (checksum and birth date), and its
    /// length and last byte; nil when one of the first 17 is not a digit or it is too long.
    private struct Scan {
        var sum = 0
        var count = 0
        var last: UInt8 = 0
        var year = 0
        var month = 0
        var day = 0

        init?(_ text: String) {
            for b in text.utf8 {
                guard count < 18 else { return nil }
                count += 1
                last = b
                guard count < 18 else { continue }
                guard b >= 0x30, b <= 0x39 else { return nil }
                let digit = Int(b - 0x30)
                sum += digit * weights[count - 1]
                switch count {
                case 7...10: year = year * 10 + digit
                case 11...12: month = month * 10 + digit
                case 13...14: day = day * 10 + digit
                default: break
                }
            }
        }

        var birthDate: CalendarDate? { CalendarDate(year: year, month: month, day: day) }
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
        guard let scan = Scan(id), scan.count == 18 else { return nil }
        return scan.birthDate
    }
}
