import Foundation
import QualityReport

/// The report's page text and layout, read from the resource files beside this module (one
/// strings file per language, the page template and its style sheet), so wording is changed
/// without touching code. A key missing from a strings file shows as the key itself.
public struct ReportText: Sendable {
    public let language: ReportLanguage
    let strings: [String: String]
    let template: String
    let style: String

    /// Reads the files of `language` from the first resource directory that has them.
    /// - Throws: ``ReportResourceError`` naming the places looked in.
    public init(_ language: ReportLanguage) throws {
        let name = "monitoring-report.\(language.rawValue).json"
        guard let directory = Self.resourceDirectories().first(where: { FileManager.default.fileExists(atPath: $0 + "/" + name) }) else {
            throw ReportResourceError("the monitoring report's text files (\(name)) were not found; looked in: "
                                      + Self.resourceDirectories().joined(separator: ", ") + ". Set HUB_REPORT_RESOURCES to their directory.")
        }
        func read(_ file: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else {
                throw ReportResourceError("cannot read \(directory)/\(file)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        let json = try read(name)
        guard let strings = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else {
            throw ReportResourceError("\(directory)/\(name) is not a JSON object of strings")
        }
        self.language = language
        self.strings = strings
        self.template = try read("monitoring-report.html")
        self.style = try read("monitoring-report.css")
    }

    /// The text of `key` with `{name}` placeholders filled in.
    public func text(_ key: String, _ values: [String: String] = [:]) -> String {
        var out = strings[key] ?? key
        for (k, v) in values { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
        return out
    }

    /// Every key of this language's strings file (for the test that both languages have the same).
    public var keys: Set<String> { Set(strings.keys) }

    /// Where the resources are looked for, in order: `HUB_REPORT_RESOURCES`; the resource
    /// bundle SwiftPM puts beside the executable (also where the container image installs it);
    /// the source tree this module was built from.
    static func resourceDirectories() -> [String] {
        var out: [String] = []
        if let dir = ProcessInfo.processInfo.environment["HUB_REPORT_RESOURCES"], !dir.isEmpty { out.append(dir) }
        let bundle = "eduhub_MonitoringReport.resources/Resources"
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        out.append(executable.appendingPathComponent(bundle).path)
        out.append(Bundle.main.bundleURL.appendingPathComponent(bundle).path)
        out.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources").path)
        return out
    }
}

/// The report's text files are missing or unreadable.
public struct ReportResourceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
