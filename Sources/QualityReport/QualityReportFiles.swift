import FileOutput
import Foundation

/// Writes a report as `<base>.html`, `<base>.md` and `<base>.json` into a directory.
public enum QualityReportFiles {
    /// `quality-<level>-<region>-<from>-<to>`, with `.en` for the English edition.
    public static func baseName(_ r: QualityReport, language: ReportLanguage = .default) -> String {
        "quality-\(r.level)-\(r.region)-\(r.from)-\(r.to)" + language.fileSuffix
    }

    /// Returns the three paths written, HTML first.
    public static func write(_ report: QualityReport, text: QualityReportText, directory: String) throws -> [String] {
        try ReportFiles.write([
            (".html", QualityReportRenderer.html(report, text: text)),
            (".md", QualityReportRenderer.markdown(report, text: text)),
            (".json", try QualityReportRenderer.json(report)),
        ], base: baseName(report, language: text.language), directory: directory)
    }
}

/// Writes the editions of a report (HTML, JSON, …) into a directory, each file whole or not at
/// all (``AtomicFile``), so a reader of the directory never opens half a report.
public enum ReportFiles {
    /// Creates `directory` if needed and writes `<base><suffix>` for each edition; returns the
    /// paths in the order given.
    public static func write(_ editions: [(suffix: String, content: String)], base: String, directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stem = (directory as NSString).appendingPathComponent(base)
        return try editions.map { edition in
            try AtomicFile.write(edition.content, to: stem + edition.suffix)
            return stem + edition.suffix
        }
    }
}
