import Foundation
import Testing

/// The foundation's end-to-end path: three worker processes, students in the `std` dialect
/// with updates, a transfer between counties and an older version arriving after a newer one.
@Suite("Student pipeline end to end", .serialized, .pipeline)
struct StudentPipelineTests {
    let schoolA = "3133000001", schoolB = "3133000002", schoolC = "3133000003"

    func registerSchools(_ h: PipelineHarness) throws {
        try h.register(school: schoolA, county: "330106")
        try h.register(school: schoolB, county: "330212")
        try h.register(school: schoolC, county: "330106")
        try h.flush()
    }

    @Test func updatesTransfersAndLateOlderVersions() throws {
        let h = try PipelineHarness("students")
        defer { h.stopAll() }
        try registerSchools(h)
        try h.startAll()
        let (s1, s2, s3, s4, s5, s6) = (Raw.id(1), Raw.id(2), Raw.id(3), Raw.id(4), Raw.id(5), Raw.id(6))
        let t1 = "2026-09-01 08:00:00", t2 = "2026-09-02 08:00:00", t3 = "2026-09-03 08:00:00"
        // s1: plain enrolment. s2: grade update. s3: transfer A (330106) → B (330212).
        // s4: newer version first, then an older one that must change nothing.
        // s5: graduates (stops counting). s6: suspended (never counts).
        let messages: [(String, String)] = [
            (schoolA, Raw.stdStudent(school: schoolA, id: s1, gender: "1", grade: "11", status: "1", time: t1)),
            (schoolA, Raw.stdStudent(school: schoolA, id: s2, gender: "2", grade: "11", status: "1", time: t1)),
            (schoolA, Raw.stdStudent(school: schoolA, id: s2, gender: "2", grade: "12", status: "1", time: t2)),
            (schoolA, Raw.stdStudent(school: schoolA, id: s3, gender: "1", grade: "21", status: "1", time: t1)),
            (schoolB, Raw.stdStudent(school: schoolB, id: s3, gender: "1", grade: "21", status: "1", time: t2)),
            (schoolB, Raw.stdStudent(school: schoolB, id: s4, gender: "2", grade: "31", status: "1", time: t3)),
            (schoolB, Raw.stdStudent(school: schoolB, id: s4, gender: "2", grade: "31", status: "2", time: t1)),
            (schoolC, Raw.stdStudent(school: schoolC, id: s5, gender: "9", grade: "33", status: "1", time: t1)),
            (schoolC, Raw.stdStudent(school: schoolC, id: s5, gender: "9", grade: "33", status: "4", time: t2)),
            (schoolB, Raw.stdStudent(school: schoolB, id: s6, gender: "1", grade: "16", status: "2", time: t1)),
        ]
        for (key, value) in messages { try h.send("raw.student", key: key, text: value) }
        try h.flush()
        try h.waitUntilCaughtUp()

        let expected = Expected.enrollment([
            (schoolA, "330106", 11, 1, true),
            (schoolA, "330106", 12, 2, true),
            (schoolB, "330212", 21, 1, true),
            (schoolB, "330212", 31, 2, true),
        ])
        #expect(try h.enrollment() == expected)
        #expect(expected.count == 16)
        #expect(try h.quarantineCounts().isEmpty)
    }

    /// The YAML really drives the pipeline: with the std gender codes 1 and 2 swapped in a
    /// copy of the topology, the same records land in the other gender.
    @Test func topologyDrivesTheCodes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("topology-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: PipelineHarness.repositoryRoot + "/Topologies", toPath: dir)
        let codes = dir + "/codes.yaml"
        let text = try String(contentsOfFile: codes, encoding: .utf8)
        let swapped = text.replacingOccurrences(of: "gender.std: { codes: { \"1\": 1, \"2\": 2, \"9\": 9 } }",
                                                with: "gender.std: { codes: { \"1\": 2, \"2\": 1, \"9\": 9 } }")
        #expect(swapped != text)
        try swapped.write(toFile: codes, atomically: true, encoding: .utf8)

        let h = try PipelineHarness("swapped", topology: dir)
        defer { h.stopAll() }
        try registerSchools(h)
        try h.startAll()
        try h.send("raw.student", key: schoolA, text: Raw.stdStudent(school: schoolA, id: Raw.id(11), gender: "1", grade: "11", status: "1", time: "2026-09-01 08:00:00"))
        try h.send("raw.student", key: schoolA, text: Raw.stdStudent(school: schoolA, id: Raw.id(12), gender: "1", grade: "11", status: "1", time: "2026-09-01 08:00:00"))
        try h.send("raw.student", key: schoolA, text: Raw.stdStudent(school: schoolA, id: Raw.id(13), gender: "2", grade: "11", status: "1", time: "2026-09-01 08:00:00"))
        try h.flush()
        try h.waitUntilCaughtUp()
        // Under the swapped table, code "1" means female (2) and "2" male (1).
        #expect(try h.enrollment() == Expected.enrollment([
            (schoolA, "330106", 11, 2, true), (schoolA, "330106", 11, 2, true), (schoolA, "330106", 11, 1, true),
        ]))
    }
}
