import Foundation
import Postgres
import TestSupport
import Testing

/// Issue 21: with at-rest keys (`HUB_AT_REST_KEY_FILES`) the real `hub-sink`, logged in as its
/// own worker login, stores quarantined units' raw bytes sealed: no name or ID number in the
/// table in clear; `hubctl quarantine raw` returns the exact original bytes, opening units
/// sealed under a retired key while its file is listed; replays by hubctl and by the
/// scheduler's `quarantine_replay` task (under the scheduler's login) open them.
@Suite("Quarantine sealed at rest", .serialized, .pipeline)
struct QuarantineSealingTests {
    @Test func quarantinedBytesAreSealedAndOpenForRawAndReplay() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sealing-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: PipelineHarness.repositoryRoot + "/Topologies", toPath: dir.path + "/topology")
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            dags:
              replay_c:
                description: Replay one school's unknown_school records (test).
                tasks:
                  replay: { type: quarantine_replay, params: { reason: unknown_school, school: "3133000003" }, timeout: 120 }
            """.write(toFile: dir.path + "/topology/dags.yaml", atomically: true, encoding: .utf8)
        let oldKey = dir.path + "/old.key", newKey = dir.path + "/new.key"
        try "the retired at-rest key, 32 bytes or more\n".write(toFile: oldKey, atomically: true, encoding: .utf8)
        try "the current at-rest key, also 32 bytes or more\n".write(toFile: newKey, atomically: true, encoding: .utf8)

        let h = try PipelineHarness("sealing", topology: dir.path + "/topology")
        defer { h.stopAll() }
        try h.hubctl(["db", "migrate"])
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let sinkLogin = "t_sealsink_\(suffix)", schedulerLogin = "t_sealsched_\(suffix)"
        try h.hubctl(["access", "worker", "--worker", "sink", "--role", sinkLogin])
        try h.hubctl(["access", "worker", "--worker", "scheduler", "--role", schedulerLogin])
        defer {
            _ = try? h.hubctl(["access", "revoke", "--role", sinkLogin])
            _ = try? h.hubctl(["access", "revoke", "--role", schedulerLogin])
        }

        let a = "3133000001", b = "3133000002", c = "3133000003"
        try h.register(school: a, county: "330106")
        try h.flush()
        try h.start(.ingest)
        try h.start(.transform)
        // The sink seals under the old key first (national suite: SM4-CTR + HMAC-SM3).
        let sinkKeys = ["HUB_DATABASE": h.database + " user=\(sinkLogin)", "HUB_CRYPTO_SUITE": "national"]
        try h.start(.sink, extraEnvironment: sinkKeys.merging(["HUB_AT_REST_KEY_FILES": oldKey]) { $1 })

        let t = "2026-09-01 08:00:00"
        let name = "欧阳封存", idB = Raw.id(41), idC = Raw.id(42), idBroken = Raw.id(43)
        let valueB = Raw.stdStudent(school: b, id: idB, gender: "2", grade: "12", status: "1", time: t, name: name)
        let broken = "{\"XXBSM\":\"\(a)\",\"XM\":\"\(name)\",\"SFZJH\":\"\(idBroken)\""
        try h.send("raw.student", key: b, text: valueB)
        try h.send("raw.student", key: a, text: broken)
        try h.flush()
        try h.waitUntilCaughtUp()
        // Then under the new key, the old one still listed (rotation of the at-rest key).
        h.stopAll()
        try h.start(.ingest)
        try h.start(.transform)
        try h.start(.sink, extraEnvironment: sinkKeys.merging(["HUB_AT_REST_KEY_FILES": "\(newKey),\(oldKey)"]) { $1 })
        let valueC = Raw.stdStudent(school: c, id: idC, gender: "1", grade: "13", status: "1", time: t, name: name)
        try h.send("raw.student", key: c, text: valueC)
        try h.flush()
        try h.waitUntilCaughtUp()
        #expect(try h.quarantineCounts() == ["unknown_school": 2, "malformed": 1])

        // Stored sealed: every unit, raw bytes and parsed record alike, and no name or ID number in clear.
        let stored = try h.query("""
            SELECT src_offset, sealed, raw IS NOT NULL, record IS NOT NULL, get_byte(raw, 0), get_byte(raw, 2)
            FROM hub_private.quarantine_raw ORDER BY src_offset, src_topic
            """)
        #expect(stored.rowCount == 3)
        for i in 0..<stored.rowCount {
            #expect(stored.value(i, 1) == "t" && stored.value(i, 2) == "t", "row \(i) sealed")
            #expect(stored.value(i, 4) == "236" && stored.value(i, 5) == "2", "row \(i): marker 0xEC, national suite")
        }
        #expect(try h.query("SELECT count(*) FROM hub_private.quarantine_raw WHERE record IS NOT NULL").int(0, 0) == 2)
        for clear in [name, idB, idC, idBroken, "SFZJH"] {
            let found = try h.query("""
                SELECT count(*) FROM hub_private.quarantine_raw
                WHERE position(convert_to($1, 'UTF8') IN coalesce(raw, '')) > 0 OR position(convert_to($1, 'UTF8') IN coalesce(record, '')) > 0
                """, [clear])
            #expect(found.int(0, 0) == 0, "\(clear) stored in clear")
        }
        // The same search finds clear text where there is some (so the check above can fail).
        #expect(try h.query("SELECT position(convert_to($1, 'UTF8') IN convert_to($2, 'UTF8')) > 0", [idB, valueB]).value(0, 0) == "t")

        // hubctl quarantine raw: the exact original bytes, with the retired key's file listed.
        func raw(_ school: String, keys: String?) throws -> (status: Int32, bytes: [UInt8], error: String) {
            let at = try h.query("""
                SELECT src_topic, src_partition, src_offset, src_row FROM hub.quarantine
                WHERE coalesce(school_code, '') = $1 OR ($1 = '' AND reason = 'malformed')
                """, [school == a ? "" : school])
            let out = dir.path + "/raw-\(school)-\(keys?.count ?? 0)"
            var env = h.environment("hubctl")
            env["HUB_AT_REST_KEY_FILES"] = keys
            let p = try ManagedProcess(executable: PipelineHarness.binDirectory + "/hubctl", arguments: [
                "quarantine", "raw", "--topic", at.value(0, 0) ?? "", "--partition", at.value(0, 1) ?? "", "--offset", at.value(0, 2) ?? "",
                "--row", at.value(0, 3) ?? "", "--out", out], environment: env)
            let status = try p.waitForExit(timeout: .seconds(60))
            let bytes = FileManager.default.contents(atPath: out).map { Array($0) } ?? []
            return (status, bytes, p.standardError())
        }
        let both = "\(newKey),\(oldKey)"
        let openedB = try raw(b, keys: both), openedC = try raw(c, keys: both), openedBroken = try raw(a, keys: both)
        #expect(openedB.status == 0 && openedB.bytes == Array(valueB.utf8), "\(openedB.error)")
        #expect(openedC.status == 0 && openedC.bytes == Array(valueC.utf8), "\(openedC.error)")
        #expect(openedBroken.status == 0 && openedBroken.bytes == Array(broken.utf8), "\(openedBroken.error)")
        // Without the retired key's file, what it sealed stays closed; without keys, everything does.
        #expect(try raw(b, keys: newKey).status != 0)
        #expect(try raw(c, keys: newKey).bytes == Array(valueC.utf8))
        #expect(try raw(c, keys: nil).status != 0)

        // Replay: B by hubctl, C by the scheduler's task under the scheduler's login, both sealed.
        try h.register(school: b, county: "330106")
        try h.register(school: c, county: "330102")
        try h.flush()
        try h.waitUntilCaughtUp()
        var replayEnv = h.environment("hubctl")
        replayEnv["HUB_AT_REST_KEY_FILES"] = both
        let replay = try ManagedProcess(executable: PipelineHarness.binDirectory + "/hubctl",
                                        arguments: ["quarantine", "replay", "--reason", "unknown_school", "--school", b], environment: replayEnv)
        #expect(try replay.waitForExit(timeout: .seconds(120)) == 0, "\(replay.standardError())")
        #expect(replay.standardOutput().contains("replayed 1 unknown_school records"), "\(replay.standardOutput())")

        try h.hubctl(["dag", "trigger", "replay_c"])
        let run = try h.runScheduler(until: "replay_c", environment: [
            "HUB_DATABASE": h.database + " user=\(schedulerLogin)", "HUB_AT_REST_KEY_FILES": both])
        #expect(run.state == "success", "\(run.outputs)")
        #expect(run.outputs.contains("replayed 1 unknown_school records"), "\(run.outputs)")

        try eventually(timeout: .seconds(90), poll: .milliseconds(200), "both replayed students count") {
            let e = try h.enrollment()
            return e["school|\(b)|12|2"] == 1 && e["school|\(c)|13|1"] == 1
        }
        try h.waitUntilCaughtUp()
        #expect(try h.enrollment() == [
            "province|330000|12|2": 1, "city|330100|12|2": 1, "county|330106|12|2": 1, "school|\(b)|12|2": 1,
            "province|330000|13|1": 1, "city|330100|13|1": 1, "county|330102|13|1": 1, "school|\(c)|13|1": 1,
        ])
        #expect(try h.quarantineCounts() == ["unknown_school": 2, "malformed": 1], "replays keep the count")
        #expect(!h.logs().contains(idB) && !h.logs().contains(name))
    }
}
