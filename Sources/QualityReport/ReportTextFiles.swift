import Foundation

/// A report's page text and layout, read from resource files so that wording changes without
/// touching code. Beside the module that owns the report: one strings file per language
/// (`<report>.zh-CN.json`, `<report>.en.json`) and the report's style sheet (`<report>.css`).
/// From this module, shared by every report: the page skeleton (`report-page.html`) and the
/// style of the ``SVGCharts`` (`report-charts.css`, appended to the report's own).
/// A key missing from a strings file shows as the key itself.
public struct ReportTextFiles: Sendable {
    public let language: ReportLanguage
    let strings: [String: String]
    let template: String
    let style: String

    /// Reads the files of `report` in `language` from the first of `resources` that has them.
    /// - Parameter title: the files as error messages name them (`the quality report's text files`).
    /// - Throws: ``ReportResourceError`` naming the places looked in.
    public init(report: String, title: String, resources: ReportResources, language: ReportLanguage) throws(ReportResourceError) {
        let name = "\(report).\(language.rawValue).json"
        let directory = try resources.directory(holding: name, title: title)
        let json = try resources.read(name, in: directory)
        guard let strings = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else {
            throw ReportResourceError("\(directory)/\(name) is not a JSON object of strings")
        }
        let shared = ReportResources.sharedLayout
        let sharedDirectory = try shared.directory(holding: "report-page.html", title: "the reports' layout files")
        self.language = language
        self.strings = strings
        template = try shared.read("report-page.html", in: sharedDirectory)
        style = try resources.read("\(report).css", in: directory) + shared.read("report-charts.css", in: sharedDirectory)
    }

    /// The text of `key` with `{name}` placeholders filled in.
    public func text(_ key: String, _ values: [String: String] = [:]) -> String {
        var out = strings[key] ?? key
        for (k, v) in values { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
        return out
    }

    /// Every key of this language's strings file (both languages must have the same).
    public var keys: Set<String> { Set(strings.keys) }

    /// The whole page: the skeleton with the language, the escaped title, the style and `body`
    /// (already HTML).
    public func page(title: String, body: String) -> String {
        template
            .replacingOccurrences(of: "{{lang}}", with: ReportFormat.html(text("html.lang")))
            .replacingOccurrences(of: "{{title}}", with: ReportFormat.html(title))
            .replacingOccurrences(of: "{{style}}", with: style)
            .replacingOccurrences(of: "{{body}}", with: body)
    }
}

/// A report's text: its ``ReportTextFiles`` and, through them, its language and strings.
public protocol LocalizedReportText: Sendable {
    var files: ReportTextFiles { get }
}

extension LocalizedReportText {
    public var language: ReportLanguage { files.language }

    /// The text of `key` with `{name}` placeholders filled in.
    public func text(_ key: String, _ values: [String: String] = [:]) -> String { files.text(key, values) }

    /// Every key of this language's strings file (both languages must have the same).
    public var keys: Set<String> { files.keys }
}

/// Where one module's report resources are looked for, in order: `HUB_REPORT_RESOURCES`; the
/// resource bundle SwiftPM puts beside the executable (also where the container image installs
/// it); the source tree the module was built from.
public struct ReportResources: Sendable {
    /// The resource bundle's path relative to the executable's folder.
    let bundle: String
    /// The module's `Resources` folder in the source tree.
    let sourceResources: String

    /// - Parameters:
    ///   - module: the target's name; its bundle is `eduhub_<module>.resources`.
    ///   - sourceFile: a source file of the module (`#filePath`), beside its `Resources` folder.
    public init(module: String, sourceFile: String) {
        bundle = "eduhub_\(module).resources/Resources"
        sourceResources = URL(fileURLWithPath: sourceFile).deletingLastPathComponent().appendingPathComponent("Resources").path
    }

    /// This module's: the page skeleton and the charts' style every report uses.
    static let sharedLayout = ReportResources(module: "QualityReport", sourceFile: #filePath)

    var directories: [String] {
        var out: [String] = []
        if let dir = ProcessInfo.processInfo.environment["HUB_REPORT_RESOURCES"], !dir.isEmpty { out.append(dir) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        out.append(executable.appendingPathComponent(bundle).path)
        out.append(Bundle.main.bundleURL.appendingPathComponent(bundle).path)
        out.append(sourceResources)
        return out
    }

    /// The first directory holding `file`.
    func directory(holding file: String, title: String) throws(ReportResourceError) -> String {
        let candidates = directories
        guard let directory = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/" + file) }) else {
            throw ReportResourceError("\(title) (\(file)) were not found; looked in: "
                                      + candidates.joined(separator: ", ") + ". Set HUB_REPORT_RESOURCES to their directory.")
        }
        return directory
    }

    func read(_ file: String, in directory: String) throws(ReportResourceError) -> String {
        guard let data = FileManager.default.contents(atPath: directory + "/" + file) else {
            throw ReportResourceError("cannot read \(directory)/\(file)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A report's text files are missing or unreadable.
public struct ReportResourceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
