import Foundation
import HubCore
import Standardization
import Testing
import Topology

/// The shipped topology, loaded from the repository.
enum Fixtures {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let topology: Topology = {
        do {
            return try TopologyLoader.load(directory: repositoryRoot + "/Topologies")
        } catch {
            fatalError("shipped topology does not load: \(error)")
        }
    }()

    static let pseudonymizer = Pseudonymizer(secret: Array("test-secret-0123456789".utf8))

    static func standardizer(_ type: RecordType) -> Standardizer {
        Standardizer(stream: topology.stream(for: type)!, pseudonymizer: pseudonymizer)
    }

    /// A registry where every sample school belongs to 330106 since t=0.
    static func registry(_ schools: [String: String] = ["3133000001": "330106", "3133000002": "330212"]) -> SchoolRegistry {
        var r = SchoolRegistry()
        for (i, (school, county)) in schools.sorted(by: { $0.key < $1.key }).enumerated() {
            r.apply(school: school, county: county, timestampMs: 0, partition: 0, offset: Int64(i))
        }
        return r
    }

    static func record(_ fields: [(String, RawValue)]) -> RawRecord {
        RawRecord(row: 1, fields: fields.map { RawField(name: $0.0, value: $0.1) }, text: [])
    }

    static let source = SourcePosition(topic: "raw.student", partition: 0, offset: 7, row: 1)

    static func run(_ type: RecordType, _ fields: [(String, RawValue)], at ms: Int64 = 1_000,
                    registry: SchoolRegistry = registry()) -> StandardizationOutcome {
        do {
            return try standardizer(type).standardize(record(fields), source: source, registryAsOfMs: ms, registry: registry)
        } catch {
            // The fixtures' HMAC-SHA256 (swift-crypto) cannot fail; a libcrypto failure would be a bug here.
            Issue.record("standardisation threw: \(error)")
            return .quarantine(reason: .malformed, field: nil, detail: "\(error)", schoolCode: nil)
        }
    }
}

/// Valid ID numbers (GB 11643 check characters computed by hand).
enum IDs {
    static let a = "11010519491231002X"
}
