/// The 10-digit school identification code of SPEC §1 — and what stands in for a school field
/// that is not one.
///
/// A record's school field may hold anything a school system let someone type there, an ID
/// number or a name included. Wherever a school is shown, counted or stored outside the
/// quarantine's raw bytes (quality results and alerts, quarantine rows, logs, reports), a
/// value that is not a school code appears as ``invalidPlaceholder``, never as itself.
public enum SchoolCode {
    /// The fixed stand-in for a school field that is not a 10-digit school code.
    public static let invalidPlaceholder = "(invalid)"
    /// The placeholder's characters beyond letters and digits (for code-only SQL literals).
    public static let placeholderCharacters: Set<Character> = ["(", ")"]

    /// Exactly ten ASCII digits.
    public static func isValid(_ text: String) -> Bool {
        var count = 0
        for b in text.utf8 {
            guard b >= 0x30, b <= 0x39 else { return false }
            count += 1
        }
        return count == 10
    }

    /// The school as it may be shown: itself when it is a school code, nil when absent or
    /// blank, ``invalidPlaceholder`` otherwise.
    public static func dimension(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return isValid(text) ? text : invalidPlaceholder
    }
}
