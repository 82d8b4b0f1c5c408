/// PostgreSQL array literals for binding a Swift list as one `text[]` or integer-array
/// parameter (`= ANY($1::text[])`, `unnest($1::bigint[], …)`). Built on bytes: they run over
/// every key of a sink batch.
public enum PGArrayLiteral {
    /// Any text: every element double-quoted, with `"` and `\` escaped.
    public static func text(_ values: [String]) -> String {
        quoted(values) { b, out in
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(b)
        }
    }

    /// Codes (school codes, person codes, pseudonyms, dates): only ASCII letters, digits and
    /// the `allowing` characters are kept, so nothing needs escaping.
    public static func codes(_ values: [String], allowing extra: Set<Character> = []) -> String {
        let allowed = Set(extra.compactMap(\.asciiValue))
        return quoted(values) { b, out in
            if (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || allowed.contains(b) { out.append(b) }
        }
    }

    /// Integers.
    public static func integers<I: BinaryInteger>(_ values: [I]) -> String {
        "{" + values.map { String($0) }.joined(separator: ",") + "}"
    }

    /// `{"…","…"}` with each element's bytes passed through `byte`.
    private static func quoted(_ values: [String], _ byte: (UInt8, inout [UInt8]) -> Void) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(values.reduce(2) { $0 + $1.utf8.count + 3 })
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            for b in v.utf8 { byte(b, &out) }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
