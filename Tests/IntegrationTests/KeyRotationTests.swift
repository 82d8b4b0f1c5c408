import Crypto
import Foundation
import Testing
import TestSupport

/// Key rotation mid-stream (README, "Key rotation"; issue 21): the truth data set is sent in
/// four slices while the person-code key is rotated twice, and every published table must
/// still equal the independent expectations, with every stored code of the newest generation.
///
/// - Rotation 1 (`hubctl keys rekey` first): the sink is paused with records of generation 1
///   waiting in std.*; the state is re-keyed to generation 2; the sink resumes, is fenced
///   (its filters were loaded at generation 1), reloads and chains the waiting records up.
/// - Rotation 2 (the sink first): the transform publishes generation 3 while the state is at
///   2; the sink re-keys each partition itself when the first such record arrives; the
///   command then finds those partitions done and skips them: each is moved exactly once.
@Suite("Key rotation: person codes move to a new key mid-stream, aggregates stay exact", .serialized, .pipeline)
struct KeyRotationTests {
    @Test func rotatingTheKeyTwiceMidStreamKeepsEveryTableExact() throws {
        let seed = TruthRandom.seed(for: "key rotation")
        let scenario = try TruthScenario(seed: seed, size: .init(students: 300, teachers: 60, partitions: 3))
        let h = try PipelineHarness("keyrot", partitions: 3)
        defer { h.stopAll() }
        let secrets = ["integration-key-generation-1", "integration-key-generation-2", "integration-key-generation-3"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyrot-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var files: [String] = []
        for (i, s) in secrets.enumerated() {
            let path = "\(dir)/person-code-key-\(i + 1)"
            #expect(FileManager.default.createFile(atPath: path, contents: Data((s + "\n").utf8), attributes: [.posixPermissions: 0o600]))
            files.append(path)
        }
        func keyFiles(_ generations: [Int]) -> [String: String] {
            ["HUB_PERSON_CODE_KEY_FILES": generations.map { "\($0)=\(files[$0 - 1])" }.joined(separator: ",")]
        }
        func rekey(_ generations: [Int]) throws -> String {
            try h.hubctl(["keys", "rekey", "--person-code-key-files", keyFiles(generations)["HUB_PERSON_CODE_KEY_FILES"] ?? ""])
        }
        let groups = ["--ingest-group", "\(h.prefix)hub-ingest", "--transform-group", "\(h.prefix)hub-transform",
                      "--sink-group", "\(h.prefix)hub-sink"]
        func waitUntilTransformed() throws {
            try eventually(timeout: .seconds(180), poll: .milliseconds(300), "ingest and transform caught up") {
                ((try? h.hubctl(["pipeline", "lag"] + groups)) ?? "").contains("ingest 0  transform 0 ")
            }
        }

        let run = try TruthRun(scenario, h)
        try run.sendRegistry()
        try h.start(.ingest)
        var transform = try h.start(.transform, extraEnvironment: keyFiles([1]))
        // The sink holds the outer keys only: never generation 1, the one over ID numbers.
        let sink = try h.start(.sink, extraEnvironment: ["HUB_BATCH_SIZE": "40"].merging(keyFiles([2, 3])) { $1 })
        let n = scenario.messages.count

        // Slice 1 at generation 1.
        try run.send(0..<n / 4)
        try h.waitUntilCaughtUp()

        // Rotation 1: slice 2 leaves the transform at generation 1 while the sink is paused; the
        // state moves to generation 2 under it.
        kill(sink.pid, SIGSTOP)
        try run.send(n / 4..<n / 2)
        try waitUntilTransformed()
        transform.terminate()
        #expect(try transform.waitForExit(timeout: .seconds(20)) == 0)
        transform = try h.start(.transform, extraEnvironment: keyFiles([1, 2]))
        let first = try rekey([2])
        print(first)
        #expect(first.contains("re-keyed 9 partition(s) to generation 2"), "\(first)")
        kill(sink.pid, SIGCONT)
        try h.waitUntilCaughtUp()
        // Slice 3 at generation 2.
        try run.send(n / 2..<3 * n / 4)
        try h.waitUntilCaughtUp()
        #expect(try generations() == Array(repeating: 2, count: 9))

        // Rotation 2: the transform publishes generation 3 first; the sink re-keys each
        // partition itself as the new records reach it; the command then moves whatever got
        // no record, and a second run finds nothing left.
        transform.terminate()
        #expect(try transform.waitForExit(timeout: .seconds(20)) == 0)
        transform = try h.start(.transform, extraEnvironment: keyFiles([1, 2, 3]))
        try run.send(3 * n / 4..<n)
        try h.waitUntilCaughtUp()
        #expect((sink.standardOutput() + sink.standardError()).contains("partition re-keyed by the sink for a newer person-code key generation"))
        print(try rekey([3]))
        let again = try rekey([3])
        #expect(again.contains("re-keyed 0 partition(s) to generation 3 (0 entities), 9 already there"), "\(again)")
        #expect(try generations() == Array(repeating: 3, count: 9))

        // Every published table equals the truth.
        let expected = try run.expectations()
        print(TruthRun.summary(expected))
        let differences = try run.differences(expected)
        #expect(differences.isEmpty, "seed \(seed):\n\(differences.joined(separator: "\n"))")

        // Every stored person code is HMAC(k3, HMAC(k2, HMAC(k1, id))) of an ID number of the data
        // set, computed here with swift-crypto, and none is of an older generation.
        func mac(_ key: String, _ message: [UInt8]) -> [UInt8] {
            Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(key.utf8))))
        }
        var byGeneration: [Set<String>] = [[], [], []]
        for id in scenario.secrets {
            var code = mac(secrets[0], Array(id.utf8))
            byGeneration[0].insert(hex(code))
            code = mac(secrets[1], code)
            byGeneration[1].insert(hex(code))
            code = mac(secrets[2], code)
            byGeneration[2].insert(hex(code))
        }
        let stored = try h.query("SELECT entity_key FROM hub.current_state WHERE record_type IN ('student', 'teacher')")
        let keys = (0..<stored.rowCount).compactMap { stored.value($0, 0) }
        #expect(keys.count == expected.standardZone.values.filter { !$0.hasPrefix("attendance|") }.count)
        #expect(!keys.isEmpty && keys.allSatisfy { byGeneration[2].contains($0) },
                "\(keys.filter { !byGeneration[2].contains($0) }.count) stored codes are not of generation 3")
        #expect(keys.allSatisfy { !byGeneration[0].contains($0) && !byGeneration[1].contains($0) })
        // The claims log moved with the state.
        let claims = try h.query("SELECT encode(entity_key, 'hex') FROM hub.school_claims WHERE record_type IN (1, 2)")
        #expect((0..<claims.rowCount).allSatisfy { byGeneration[2].contains(claims.value($0, 0) ?? "") })

        // No key ever reaches a log.
        let logs = h.logs()
        #expect(secrets.allSatisfy { !logs.contains($0) })

        func generations() throws -> [Int] {
            let r = try h.query("SELECT generation FROM hub.std_key_generations ORDER BY record_type, partition")
            return (0..<r.rowCount).compactMap { r.int($0, 0) }
        }
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
