import Foundation
import HubCore
import Yams

/// One fixture case of `hubctl topology test`: a directory with `case.yaml` (the registry and
/// the raw messages, inline or from files beside it) and `expected.txt` (what the topology must
/// make of them: standard records, quarantined units, aggregate rows — one per line).
public struct TopologyTestCase: Sendable {
    public struct RegistryEntry: Sendable { var school: String; var county: String?; var atMs: Int64 }
    public struct Message: Sendable {
        var topic: String
        var partition: Int32
        var timestampMs: Int64
        var headers: [(String, [UInt8]?)]
        var value: [UInt8]?
    }

    public let name: String
    public let directory: String
    public let description: String
    var registry: [RegistryEntry] = []
    var messages: [Message] = []

    public var expectedPath: String { directory + "/expected.txt" }

    public init(directory: String) throws {
        self.directory = directory
        self.name = URL(fileURLWithPath: directory).lastPathComponent
        let path = directory + "/case.yaml"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TopologyTestError("\(path): cannot read")
        }
        guard let root = try Yams.load(yaml: text) as? [String: Any] else { throw TopologyTestError("\(path): not a mapping") }
        description = root["description"] as? String ?? ""
        for (i, e) in (root["registry"] as? [[String: Any]] ?? []).enumerated() {
            guard let school = e["school"].map({ "\($0)" }) else { throw TopologyTestError("\(path): registry entry \(i + 1) has no school") }
            registry.append(RegistryEntry(school: school, county: e["county"].map { "\($0)" },
                                          atMs: Int64("\(e["at"] ?? 0)") ?? 0))
        }
        for (i, m) in (root["messages"] as? [[String: Any]] ?? []).enumerated() {
            guard let topic = m["topic"] as? String else { throw TopologyTestError("\(path): message \(i + 1) has no topic") }
            var value: [UInt8]?
            if let file = m["file"] as? String {
                guard let data = FileManager.default.contents(atPath: directory + "/" + file) else {
                    throw TopologyTestError("\(path): message \(i + 1): cannot read \(file)")
                }
                value = Array(data)
            } else if let text = m["text"] as? String {
                value = Array(text.utf8)
            } else if m["null"] as? Bool != true {
                throw TopologyTestError("\(path): message \(i + 1) needs file, text or null: true")
            }
            let headers = (m["headers"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, Optional(Array("\($0.value)".utf8))) }
            messages.append(Message(topic: topic, partition: Int32("\(m["partition"] ?? 0)") ?? 0,
                                    timestampMs: Int64("\(m["timestamp"] ?? 1000)") ?? 1000, headers: headers, value: value))
        }
    }

    /// Every case directory under `directory` (each holding a `case.yaml`), sorted.
    public static func all(in directory: String) throws -> [TopologyTestCase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return try names.sorted().compactMap { name in
            let dir = directory + "/" + name
            return FileManager.default.fileExists(atPath: dir + "/case.yaml") ? try TopologyTestCase(directory: dir) : nil
        }
    }
}

public struct TopologyTestError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}
