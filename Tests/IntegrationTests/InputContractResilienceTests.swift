import Foundation
import Testing

/// SPEC §4: one bad record in ten never blocks, crashes or loses its neighbours; and workers
/// stopped at the test kill points (the moments a crash makes Kafka deliver again) and
/// restarted leave exactly the expected aggregates and quarantine counts — redelivery is not
/// a new arrival.
@Suite("Input contract: poison pills and crash recovery", .serialized, .pipeline)
struct InputContractResilienceTests {
    let schools = [("3133000101", "330106"), ("3133000102", "330212"), ("3133000103", "330782")]
    let t = "2026-09-01 08:00:00"

    func sid(_ n: Int) -> String { Raw.id(n, county: "330206", birth: "20130101") }

    /// Bad units cycling through the reasons; `kind` picks which.
    func bad(_ n: Int, kind: Int, school: String) -> (text: String, reason: String) {
        switch kind % 5 {
        case 0: return ("{\"XXBSM\":\"\(school)\",\"SFZJH\":\"\(sid(n))\",", "malformed")
        case 1: return (Raw.stdStudent(school: school, id: sid(n), gender: "", grade: "11", status: "1", time: t), "missing_field")
        case 2: return (Raw.stdStudent(school: school, id: Raw.badChecksum(n), gender: "1", grade: "11", status: "1", time: t), "invalid_id_number")
        case 3: return (Raw.stdStudent(school: school, id: sid(n), gender: "1", grade: "41", status: "1", time: t), "invalid_code")
        default: return (Raw.stdStudent(school: "3133009999", id: sid(n), gender: "1", grade: "11", status: "1", time: t), "unknown_school")
        }
    }

    /// Sends `count` units starting at person `first`: every tenth unit is bad. Singles are
    /// application/json messages; every other group of ten goes as one ndjson value instead.
    func sendStream(_ h: PipelineHarness, first: Int, count: Int,
                    students: inout [(school: String, county: String, grade: Int, gender: Int, enrolled: Bool)],
                    quarantine: inout [String: Int]) throws {
        var group: [String] = []
        for n in first..<(first + count) {
            let (school, county) = schools[n % schools.count]
            let text: String
            if n % 10 == 9 {
                let b = bad(n, kind: n / 10, school: school)
                text = b.text
                quarantine[b.reason, default: 0] += 1
            } else {
                let grade = [11, 12, 21, 31][n % 4], gender = [1, 2][n % 2]
                text = Raw.stdStudent(school: school, id: sid(n), gender: String(gender), grade: String(grade), status: "1", time: t)
                students.append((school, county, grade, gender, true))
            }
            if (n / 10) % 2 == 0 {
                try h.send("raw.student", key: school, text: text)
            } else {
                group.append(text)
                if group.count == 10 {
                    try h.send("raw.student", key: school, text: group.joined(separator: "\n"),
                               headers: [("content-type", "application/x-ndjson")])
                    group = []
                }
            }
        }
        #expect(group.isEmpty)
    }

    @Test func poisonPillsThenKilledWorkersConverge() throws {
        let h = try PipelineHarness("resilience")
        defer { h.stopAll() }
        for (school, county) in schools { try h.register(school: school, county: county) }
        try h.flush()
        try h.startAll()

        var students: [(school: String, county: String, grade: Int, gender: Int, enrolled: Bool)] = []
        var quarantine: [String: Int] = [:]

        // Phase 1: a poisoned stream, no crash.
        try sendStream(h, first: 0, count: 60, students: &students, quarantine: &quarantine)
        try h.flush()
        try h.waitUntilCaughtUp()
        #expect(quarantine.values.reduce(0, +) == 6 && quarantine.count == 5)
        #expect(try h.enrollment() == Expected.enrollment(students), "\(differences((try? h.enrollment()) ?? [:], Expected.enrollment(students)))")
        #expect(try h.quarantineCounts() == quarantine, "\(differences((try? h.quarantineCounts()) ?? [:], quarantine))")
        for w in h.workers { #expect(w.process.isRunning, "\(w.stage) exited on a poison pill") }

        // Phase 2: each stage stops itself at a test kill point — Transform and Ingest after
        // their output is acknowledged but before their offsets are committed, the sink inside
        // its open transaction — and is restarted: each one's batch is delivered again.
        try h.stop(.transform)
        try sendStream(h, first: 60, count: 40, students: &students, quarantine: &quarantine)
        try h.flush()
        let transform = try h.runUntilKillPoint(.transformAfterProduce)
        try sendStream(h, first: 100, count: 40, students: &students, quarantine: &quarantine)
        try h.flush()
        try h.start(.transform)
        try h.waitUntilCaughtUp()
        try h.stop(.sink)
        try sendStream(h, first: 140, count: 20, students: &students, quarantine: &quarantine)
        try h.flush()
        let sink = try h.runUntilKillPoint(.sinkBeforeCommit)
        try h.start(.sink)
        try h.waitUntilCaughtUp()
        try h.stop(.ingest)
        try sendStream(h, first: 160, count: 20, students: &students, quarantine: &quarantine)
        try h.flush()
        let ingest = try h.runUntilKillPoint(.ingestAfterProduce)
        try h.start(.ingest)
        try h.waitUntilCaughtUp()
        // What the restarted Ingest and Transform sent again reached the sink as copies.
        #expect(h.sinkCopiesLogged() > 0, "\(transform); \(ingest)")
        #expect(!sink.offsetRanges.isEmpty, "\(sink)")

        #expect(try h.enrollment() == Expected.enrollment(students), "\(differences((try? h.enrollment()) ?? [:], Expected.enrollment(students)))")
        #expect(try h.quarantineCounts() == quarantine, "\(differences((try? h.quarantineCounts()) ?? [:], quarantine))")
        #expect(quarantine.values.reduce(0, +) == 18)
        for w in h.workers where w.process.isRunning == false {
            // Only the kill points (SIGKILL) and the graceful stops (0) ended a worker.
            #expect(w.process.exitStatus == 9 || w.process.exitStatus == 0, "\(w.stage) exited \(w.process.exitStatus ?? -1)")
        }
    }
}
