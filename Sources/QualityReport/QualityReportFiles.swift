import Foundation

/// Writes a report as `<base>.html`, `<base>.md` and `<base>.json` into a directory.
public enum QualityReportFiles {
    /// `quality-<level>-<region>-<from>-<to>`, with `.en` for the English edition.
    public static func baseName(_ r: QualityReport, language: ReportLanguage = .default) -> String {
        "quality-\(r.level)-\(r.region)-\(r.from)-\(r.to)" + (language == .default ? "" : "." + language.rawValue)
    }

    /// Returns the three paths written, HTML first.
    public static func write(_ report: QualityReport, text: QualityReportText, directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let base = (directory as NSString).appendingPathComponent(baseName(report, language: text.language))
        let files = [
            (base + ".html", QualityReportRenderer.html(report, text: text)),
            (base + ".md", QualityReportRenderer.markdown(report, text: text)),
            (base + ".json", try QualityReportRenderer.json(report)),
        ]
        for (path, content) in files { try Data(content.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) }
        return files.map(\.0)
    }
}
