/// The rule for free text that reaches the standard zone (e.g. a class name): PostgreSQL
/// stores no U+0000, and a value that is part of an entity key must fit a btree index row.
/// Swift strings hold only valid UTF-8 (bytes invalid in the declared charset already made the
/// whole value malformed), so these two are all that can go wrong.
public enum StoredText {
    /// The longest stored text, in UTF-8 bytes (a class name of 256 bytes is about 85 Chinese
    /// characters; an index row holds about 2,700 bytes).
    public static let maxBytes = 256

    /// Why `text` cannot be stored, or nil when it can.
    public static func problem(_ text: String) -> String? {
        let utf8 = text.utf8
        if utf8.count > maxBytes { return "is longer than \(maxBytes) bytes" }
        if utf8.contains(0) { return "holds a NUL character (U+0000), which PostgreSQL cannot store" }
        return nil
    }
}
