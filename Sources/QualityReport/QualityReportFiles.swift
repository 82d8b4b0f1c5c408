import Foundation

/// Writes a report as `<base>.html`, `<base>.md` and `<base>.json` into a directory.
public enum QualityReportFiles {
    /// `quality-<level>-<region>-<from>-<to>`.
    public static func baseName(_ r: QualityReport) -> String {
        "quality-\(r.level)-\(r.region)-\(r.from)-\(r.to)"
    }

    /// Returns the three paths written, HTML first.
    public static func write(_ report: QualityReport, directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let base = (directory as NSString).appendingPathComponent(baseName(report))
        let files = [
            (base + ".html", QualityReportRenderer.html(report)),
            (base + ".md", QualityReportRenderer.markdown(report)),
            (base + ".json", try QualityReportRenderer.json(report)),
        ]
        for (path, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) }
        return files.map(\.0)
    }
}
