import Foundation
import Testing
import Topology

/// The shipped topology files and helpers to build broken variants of them.
enum TopologyFixtures {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Topologies").path
    }()

    /// The text of a shipped file, e.g. `student.yaml`.
    static func shipped(_ name: String) -> String {
        let path = directory + "/" + name
        guard let data = FileManager.default.contents(atPath: path) else { fatalError("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// All shipped files as (name, text), with some replaced or added.
    static func sources(replacing overrides: [String: String] = [:], adding extra: [(String, String)] = [])
        -> [(file: String, text: String)] {
        let names = ["codes.yaml", "student.yaml", "teacher.yaml", "attendance.yaml", "regions.yaml", "scenarios.yaml"]
        return names.map { ($0, overrides[$0] ?? shipped($0)) } + extra.map { (file: $0.0, text: $0.1) }
    }

    /// The issues of loading `sources`; empty when it loads.
    static func issues(_ sources: [(file: String, text: String)]) -> [TopologyIssue] {
        do {
            _ = try TopologyLoader.load(sources: sources)
            return []
        } catch {
            return error.issues
        }
    }

    /// The issues after one textual edit of one shipped file.
    static func issues(editing file: String, _ old: String, _ new: String,
                       sourceLocation: SourceLocation = #_sourceLocation) -> [TopologyIssue] {
        issues(sources(replacing: [file: edit(shipped(file), old, new, sourceLocation: sourceLocation)]))
    }

    /// `text` with the single occurrence of `old` replaced by `new`.
    static func edit(_ text: String, _ old: String, _ new: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let parts = text.components(separatedBy: old)
        #expect(parts.count == 2, "\"\(old)\" must occur exactly once", sourceLocation: sourceLocation)
        return parts.joined(separator: new)
    }

    /// The 1-based line of the first line of `text` that contains `needle`.
    static func line(of needle: String, in text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        let lines = text.components(separatedBy: "\n")
        guard let index = lines.firstIndex(where: { $0.contains(needle) }) else {
            Issue.record("\"\(needle)\" not found", sourceLocation: sourceLocation)
            return -1
        }
        return index + 1
    }
}
