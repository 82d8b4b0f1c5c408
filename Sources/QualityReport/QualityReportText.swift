import Foundation

/// The quality report's page text and layout (``ReportTextFiles``): `quality-report.zh-CN.json`,
/// `quality-report.en.json` and `quality-report.css` in this module's resources, and the terms,
/// names and labels the report's sections are written with.
public struct QualityReportText: LocalizedReportText {
    public let files: ReportTextFiles

    /// Reads the files of `language` from the first resource directory that has them.
    /// - Throws: ``ReportResourceError`` naming the places looked in.
    public init(_ language: ReportLanguage = .default) throws(ReportResourceError) {
        files = try ReportTextFiles(report: "quality-report", title: "the quality report's text files",
                                    resources: ReportResources(module: "QualityReport", sourceFile: #filePath), language: language)
    }

    /// A translated code (`dimension.validity`, `level.county`, …), the code itself when unknown.
    func term(_ group: String, _ code: String) -> String {
        files.strings["\(group).\(code)"] ?? code
    }

    /// A name next to its code, or the code alone.
    func named(_ name: String?, code: String) -> String {
        guard let name, !name.isEmpty else { return code }
        return text("label.named", ["name": name, "code": code])
    }

    /// A region's label in this language.
    func label(_ place: PlaceName?, code: String) -> String {
        named(language.isEnglish ? place?.en : place?.zh, code: code)
    }

    /// A school as the report shows it: its name and code; the placeholders labelled.
    func school(_ code: String, name: String?) -> String {
        switch code {
        case "": return text("school.none")
        case "(invalid)": return text("school.invalid")
        default: return named(name, code: code)
        }
    }
}
