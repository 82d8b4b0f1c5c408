/// A raw field value in generated samples: text, or a JSON integer.
enum SampleValue {
    case text(String)
    case int(Int)

    var json: String {
        switch self {
        case .int(let n): return String(n)
        case .text(let s): return SampleValue.quote(s)
        }
    }

    /// The value as a CSV field's text (quoting is ``CSVWriter``'s).
    var text: String {
        switch self {
        case .int(let n): String(n)
        case .text(let t): t
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// One generated raw record: its fields in order, in one dialect.
struct SampleRecord {
    /// Its updated-at, in minutes after 2026-09-01 08:00 Beijing (the Kafka time follows it).
    var minute: Int? = nil
    var fields: [(String, SampleValue)]
    /// The reason this record must be quarantined with, nil for a good record.
    var expectedReason: String?

    var json: String {
        "{" + fields.map { "\(SampleValue.quote($0.0)):\($0.1.json)" }.joined(separator: ",") + "}"
    }
}
