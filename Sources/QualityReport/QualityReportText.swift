import Foundation

/// The quality report's page text and layout, read from the resource files of this module — one
/// strings file per language (`quality-report.zh-CN.json`, `quality-report.en.json`), the page
/// template and its style sheet — so wording changes without touching code (the monitoring
/// report's arrangement). A key missing from a strings file shows as the key itself.
public struct QualityReportText: Sendable {
    public let language: ReportLanguage
    let strings: [String: String]
    let template: String
    let style: String

    /// Reads the files of `language` from the first resource directory that has them.
    /// - Throws: ``QualityReportResourceError`` naming the places looked in.
    public init(_ language: ReportLanguage = .default) throws {
        let name = "quality-report.\(language.rawValue).json"
        let candidates = Self.resourceDirectories()
        guard let directory = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/" + name) }) else {
            throw QualityReportResourceError("the quality report's text files (\(name)) were not found; looked in: "
                                             + candidates.joined(separator: ", ") + ". Set HUB_REPORT_RESOURCES to their directory.")
        }
        func read(_ file: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else {
                throw QualityReportResourceError("cannot read \(directory)/\(file)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        guard let strings = try? JSONDecoder().decode([String: String].self, from: Data(try read(name).utf8)) else {
            throw QualityReportResourceError("\(directory)/\(name) is not a JSON object of strings")
        }
        self.language = language
        self.strings = strings
        template = try read("quality-report.html")
        style = try read("quality-report.css")
    }

    /// The text of `key` with `{name}` placeholders filled in.
    public func text(_ key: String, _ values: [String: String] = [:]) -> String {
        var out = strings[key] ?? key
        for (k, v) in values { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
        return out
    }

    /// Every key of this language's strings file (both languages must have the same).
    public var keys: Set<String> { Set(strings.keys) }

    /// A translated code (`dimension.validity`, `level.county`, …), the code itself when unknown.
    func term(_ group: String, _ code: String) -> String {
        strings["\(group).\(code)"] ?? code
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

    /// Where the resources are looked for, in order: `HUB_REPORT_RESOURCES`; the resource bundle
    /// SwiftPM puts beside the executable (also where the container image installs it); the
    /// source tree this module was built from.
    static func resourceDirectories() -> [String] {
        var out: [String] = []
        if let dir = ProcessInfo.processInfo.environment["HUB_REPORT_RESOURCES"], !dir.isEmpty { out.append(dir) }
        let bundle = "eduhub_QualityReport.resources/Resources"
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        out.append(executable.appendingPathComponent(bundle).path)
        out.append(Bundle.main.bundleURL.appendingPathComponent(bundle).path)
        out.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources").path)
        return out
    }
}

/// The report's text files are missing or unreadable.
public struct QualityReportResourceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
