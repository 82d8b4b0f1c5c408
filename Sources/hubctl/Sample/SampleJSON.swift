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

    var csv: String {
        let s: String
        switch self {
        case .int(let n): s = String(n)
        case .text(let t): s = t
        }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
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
    var fields: [(String, SampleValue)]
    /// The reason this record must be quarantined with, nil for a good record.
    var expectedReason: String?

    var json: String {
        "{" + fields.map { "\(SampleValue.quote($0.0)):\($0.1.json)" }.joined(separator: ",") + "}"
    }
}
