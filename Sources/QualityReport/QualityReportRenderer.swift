import Foundation

/// Renders a ``QualityReport`` as a self-contained HTML page, GitHub-flavoured Markdown or JSON.
///
/// HTML and Markdown show the same sections with the same figures, formatted the same way;
/// the HTML page adds inline SVG charts and needs no script, network access or external file.
public enum QualityReportRenderer {
    /// One self-contained HTML page: inline `<style>` and `<svg>` charts, no `<script>` and no
    /// external resources. All report text is HTML-escaped.
    public static func html(_ r: QualityReport, text: QualityReportText) -> String {
        HTMLReport.render(r, text: text)
    }

    /// GitHub-flavoured Markdown with the same sections and figures as the HTML page, with
    /// tables in place of the charts. `|` and other special characters in cells are escaped.
    public static func markdown(_ r: QualityReport, text: QualityReportText) -> String {
        MarkdownReport.render(r, text: text)
    }

    /// Pretty-printed JSON with sorted keys, which `JSONDecoder` decodes back to an equal report.
    ///
    /// - Throws: `EncodingError` when a score is not finite (NaN or infinity).
    public static func json(_ r: QualityReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(r), as: UTF8.self)
    }

    /// A score with one decimal (`97.5`, `100.0`), or `n/a` when it is nil or not finite.
    public static func formatScore(_ s: Double?) -> String {
        guard let s else { return ReportFormat.missing }
        return ReportFormat.fixed(s, decimals: 1)
    }
}

/// The colour band of a score: at least 95 is good (green), at least 80 a warning (amber),
/// anything lower bad (red); no score has no band (grey).
public enum ScoreBand: String, Sendable {
    case good
    case warn
    case bad
    case none

    public init(score: Double?) {
        guard let score, score.isFinite else {
            self = .none
            return
        }
        self = score >= 95 ? .good : score >= 80 ? .warn : .bad
    }

    /// The CSS class the HTML page styles this band with.
    public var cssClass: String { rawValue }
}

/// Locale-independent number formatting and text escaping shared by the renderers.
public enum ReportFormat {
    /// Shown in place of a missing or non-finite figure.
    public static let missing = "n/a"

    /// `value` rounded half away from zero to `decimals` places, e.g. `fixed(2.345, decimals: 1)`
    /// is `2.3`; `n/a` when the value is not finite.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return missing }
        let places = max(decimals, 0)
        let factor = (0..<places).reduce(Int64(1)) { product, _ in product * 10 }
        let scaled = (value.magnitude * Double(factor)).rounded()
        guard scaled < 1e15 else { return String(value) }
        let units = Int64(scaled)
        let sign = value < 0 && units > 0 ? "-" : ""
        let whole = sign + String(units / factor)
        guard places > 0 else { return whole }
        let fraction = String(units % factor)
        return whole + "." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// A 0–1 rate as a percentage with two decimals, e.g. `2.50%`.
    static func percent(_ rate: Double) -> String {
        guard rate.isFinite else { return missing }
        return fixed(rate * 100, decimals: 2) + "%"
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, safe both as
    /// element content and inside a quoted attribute.
    ///
    /// Works on Unicode scalars, so a combining mark after `<` cannot hide it inside a grapheme.
    public static func html(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    /// `text` safe inside a GitHub-flavoured Markdown table cell: `\`, `|`, `<` and `>` are
    /// backslash-escaped (so no cell splits and no raw HTML passes) and line breaks become spaces.
    static func markdown(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "|", "<", ">":
                escaped.append("\\")
                escaped.append(scalar)
            case "\n", "\r":
                escaped.append(" ")
            default:
                escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
