import Foundation
import Testing
import Topology
import TopologyTesting

@Suite("hubctl topology test: fixture cases")
struct ShippedFixtureTests {
    static let topologyDirectory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Topologies"
    }()

    static func runner() throws -> TopologyTestRunner {
        TopologyTestRunner(topology: try TopologyLoader.load(directory: topologyDirectory))
    }

    @Test func everyShippedTopologyHasPassingFixtures() throws {
        let cases = try TopologyTestCase.all(in: Self.topologyDirectory + "/tests")
        #expect(Set(cases.map(\.name)) == ["attendance-corrections", "student-dialects", "teacher-dialects"])
        let runner = try Self.runner()
        for c in cases {
            let diff = runner.check(c)
            #expect(diff.isEmpty, "\(c.name):\n\(diff.joined(separator: "\n"))")
        }
    }

    /// A changed fixture fails, and the diff names exactly the line that differs.
    @Test func aChangedExpectationFailsWithAReadableDiff() throws {
        let source = Self.topologyDirectory + "/tests/teacher-dialects"
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        let expected = try String(contentsOfFile: copy + "/expected.txt", encoding: .utf8)
        let changed = expected.replacingOccurrences(of: "aggregate teacher_agg province 330000 = 2", with: "aggregate teacher_agg province 330000 = 3")
        #expect(changed != expected)
        try changed.write(toFile: copy + "/expected.txt", atomically: true, encoding: .utf8)
        let diff = try Self.runner().check(TopologyTestCase(directory: copy))
        #expect(diff == ["- aggregate teacher_agg province 330000 = 3", "+ aggregate teacher_agg province 330000 = 2"])
    }

    @Test func diffListsMissingAndExtraLines() {
        #expect(TopologyTestRunner.diff(expected: ["a", "b", "b"], actual: ["b", "c"]) == ["- a", "- b", "+ c"])
        #expect(TopologyTestRunner.diff(expected: ["x"], actual: ["x"]).isEmpty)
    }
}
