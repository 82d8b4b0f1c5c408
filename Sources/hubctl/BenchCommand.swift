import ArgumentParser
import Decoding
import Foundation
import HubCrypto
import HubCore
import HubStore
import Postgres
import SinkCore
import Standardization
import Topology
import Zstd

/// `hubctl bench`: micro benchmarks of the per-record hot paths, single-threaded, in this
/// process — decoding per content type, standardisation per dialect (with and without the
/// quality monitors), the person-code HMAC, the standard-record wire format and, given a
/// database, the sink's commit of a batch. Build with `-c release` for real figures.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Micro benchmarks: decode per content type, standardise per dialect, person-code HMAC, sink commit.")

    @Option(name: .long, help: "Directory of topology YAML files.") var topology: String = "Topologies"
    @Option(name: .long, help: "Records per case.") var records: Int = 200_000
    @Option(name: .long, help: "Write the figures as JSON to this file.") var json: String?
    @Option(name: .long, help: "PostgreSQL connection string: also measure the sink's commit (in a throwaway schema).")
    var sinkDatabase: String?
    @Option(name: .long, help: "Records per sink transaction.") var sinkBatch: Int = 20_000
    @Option(name: .long, help: "Run only the cases whose name contains this text (e.g. for a profile of one case).")
    var only: String?
    @Option(name: .long, help: "Run each case this many times (a profile then sees mostly the case, not the set-up).")
    var rounds: Int = 1

    struct Figure: Codable {
        var name: String
        var records: Int
        var seconds: Double
        var recordsPerSecond: Double { Double(records) / seconds }
        var microsPerRecord: Double { seconds * 1e6 / Double(records) }
    }

    /// Runs one case: `name`, the records it must handle, and a body returning how many it did.
    typealias Measure = (String, Int, () throws -> Int) throws -> Void

    func run() async throws {
        let topo = try TopologyLoader.load(directory: topology)
        guard let student = topo.stream(for: .student) else { throw ValidationError("no student stream") }
        var figures: [Figure] = []
        func measure(_ name: String, records n: Int, _ body: () throws -> Int) throws {
            if let only, !name.contains(only) { return }
            let start = ContinuousClock.now
            for _ in 0..<max(rounds, 1) {
                let checked = try body()
                guard checked == n else { throw ValidationError("\(name): \(checked) of \(n) records") }
            }
            let d = ContinuousClock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            let f = Figure(name: name, records: n * max(rounds, 1), seconds: seconds)
            figures.append(f)
            print(name.padding(toLength: 44, withPad: " ", startingAt: 0)
                  + String(format: "%12.0f rec/s %9.2f µs/rec", f.recordsPerSecond, f.microsPerRecord))
        }
        try benchDecoding(measure: measure)
        try benchStandardisation(student, measure: measure)
        try benchCrypto(measure: measure)
        try benchWireFormat(measure: measure)
        try benchIngestedMessages(measure: measure)
        if let conninfo = sinkDatabase {
            try benchSinkCommit(conninfo: conninfo, topology: topo, measure: measure)
        }
        if let json = self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(figures).write(to: URL(fileURLWithPath: json))
        }
    }

    static func contentType(_ t: String) -> [(name: String, value: [UInt8]?)] { [(name: "content-type", value: Optional(Array(t.utf8)))] }

    /// Decoding per content type: values of 500 records (one record for application/json).
    func benchDecoding(measure: Measure) throws {
        let lines = (0..<records).map { Self.stdStudent($0) }
        let perValue = 500
        let ndjson = stride(from: 0, to: records, by: perValue).map { Array(lines[$0..<min($0 + perValue, records)].joined(separator: "\n").utf8) }
        let csvHeader = "XXBSM,XJH,XM,XBM,CSRQ,SFZJH,NJDM,BJ,XJZT,GXSJ\n"
        let csv = stride(from: 0, to: records, by: perValue).map { start in
            Array((csvHeader + (start..<min(start + perValue, records)).map(Self.stdStudentCSV).joined(separator: "\n")).utf8)
        }
        let zstd = try ndjson.map { try Zstd.compress($0) }
        let json = lines.prefix(records).map { Array($0.utf8) }
        // Chinese field names (the zh dialect): names of equal byte length are common there.
        let zhJSON = (0..<records).map { Array(Self.zhStudent($0).utf8) }
        func decodeAll(_ values: [[UInt8]], _ headers: [(name: String, value: [UInt8]?)]) -> Int {
            values.reduce(0) { n, v in
                if case .records(let r) = MessageDecoding.decode(value: v, headers: headers) { return n + r.count }
                return n
            }
        }
        let type = Self.contentType
        try measure("decode application/json (1 per value)", records) { decodeAll(json, []) }
        try measure("decode application/json, zh names (1 per value)", records) { decodeAll(zhJSON, []) }
        try measure("decode application/x-ndjson (500 per value)", records) { decodeAll(ndjson, type("application/x-ndjson")) }
        try measure("decode text/csv (500 per value)", records) { decodeAll(csv, type("text/csv")) }
        // The same CSV in GBK (a third of the sample's values with Chinese text come so).
        let gbk = csv.map { SamplePacker.gb18030(String(decoding: $0, as: UTF8.self)) ?? $0 }
        try measure("decode text/csv; charset=gbk (500 per value)", records) { decodeAll(gbk, type("text/csv; charset=gbk")) }
        try measure("decode ndjson + zstd", records) {
            decodeAll(zstd, type("application/x-ndjson") + [(name: "content-encoding", value: Array("zstd".utf8))])
        }
    }

    /// Standardisation per dialect, on decoded records, with and without the quality monitors.
    func benchStandardisation(_ student: StreamDefinition, measure: Measure) throws {
        var bare = student
        bare.monitors = []
        let key = Pseudonymizer(secret: Array("bench-secret-0123456789abcdef".utf8))
        var registry = SchoolRegistry()
        for i in 0..<100 { registry.apply(school: Self.school(i), county: "330106", timestampMs: 0, partition: 0, offset: Int64(i)) }
        var decoded: [String: [RawRecord]] = [:]
        for (dialect, make) in [("std", Self.stdStudent), ("en", Self.enStudent), ("zh", Self.zhStudent)] {
            let text = (0..<records).map(make).joined(separator: "\n")
            guard case .records(let rs) = MessageDecoding.decode(value: Array(text.utf8), headers: Self.contentType("application/x-ndjson"),
                                                                 limits: DecodingLimits(maxValueBytes: .max, maxDecompressedBytes: .max)) else {
                throw ValidationError("bench records do not decode")
            }
            decoded[dialect] = rs.compactMap { if case .record(let r) = $0 { return r } else { return nil } }
        }
        let position = SourcePosition(topic: "raw.student", partition: 0, offset: 0, row: 0)
        for (label, stream) in [("", student), (" (no monitors)", bare)] {
            let standardizer = Standardizer(stream: stream, pseudonymizer: key)
            for dialect in ["std", "en", "zh"] {
                try measure("standardise \(dialect) student\(label)", records) {
                    var ok = 0
                    for r in decoded[dialect] ?? [] {
                        if case .standard = try standardizer.standardize(r, source: position, registryAsOfMs: 1, registry: registry,
                                                                     sourceTimestampMs: 1_788_228_000_000) { ok += 1 }
                    }
                    return ok
                }
            }
        }
    }

    /// The person-code HMAC (swift-crypto, then each suite through libcrypto) and sealing raw
    /// bytes at rest (4 KiB values, about a raw message): encrypt + MAC, then open.
    func benchCrypto(measure: Measure) throws {
        let secret = Array("bench-secret-0123456789abcdef".utf8)
        let key = Pseudonymizer(secret: secret)
        let ids = (0..<records).map { Self.id($0) }
        try measure("person code (HMAC-SHA256)", records) {
            var n = 0
            for id in ids where try key.personCode(canonicalId: id).w0 != 0 { n += 1 }
            return n
        }
        for suite in CipherSuite.allCases {
            let mac = try KeyedMAC(suite.digest, key: secret)
            let idBytes = ids.map { Array($0.utf8) }
            try measure("person code (HMAC-\(suite.digest.rawValue), libcrypto)", records) {
                var n = 0
                for id in idBytes where try mac.authenticate(id).count == 32 { n += 1 }
                return n
            }
            let ring = try AtRestKeyring(secrets: [secret], suite: suite)
            let value = [UInt8](repeating: 0x5A, count: 4096)
            let values = max(records / 20, 1)
            try measure("seal + open 4 KiB (\(suite.cipher.rawValue)-CTR + HMAC-\(suite.digest.rawValue))", values) {
                var n = 0
                for _ in 0..<values where (try? ring.open(ring.seal(value)))?.count == value.count { n += 1 }
                return n
            }
            // The sink's extra work per quarantined unit with at-rest keys: its raw text and its
            // parsed record (about the same size) sealed; records that pass pay nothing.
            let line = Array(Self.stdStudent(7).utf8)
            let units = max(records / 4, 1)
            try measure("seal a quarantined unit (2 × \(line.count) B, \(suite.cipher.rawValue))", units) {
                var n = 0
                for _ in 0..<units where try ring.seal(line).count + ring.seal(line).count > 2 * line.count { n += 1 }
                return n
            }
        }
    }

    /// What the ingest and transform workers do per record besides decoding and standardising:
    /// ingest encodes an ingested message (500 records, as split from one raw value), transform
    /// decodes it, and packs standard records into a std batch message.
    func benchIngestedMessages(measure: Measure) throws {
        let perMessage = 500
        let text = (0..<perMessage).map(Self.stdStudent).joined(separator: "\n")
        guard case .records(let rs) = MessageDecoding.decode(value: Array(text.utf8), headers: Self.contentType("application/x-ndjson")) else {
            throw ValidationError("bench records do not decode")
        }
        let records = rs.compactMap { if case .record(let r) = $0 { return r } else { return nil } }
        let source = SourcePosition(topic: "raw.student", partition: 0, offset: 7, row: 0)
        let message = IngestedMessage(source: source, timestampMs: 1_788_228_000_000, records: records)
        let messages = max(records.count > 0 ? self.records / records.count : 0, 1)
        let n = messages * records.count
        let encoded = message.encodedParts(target: 4 << 20, limit: 8 << 20).parts
        try measure("ingested message encode (500 per message)", n) {
            (0..<messages).reduce(0) { sum, _ in sum + (message.encodedParts(target: 4 << 20, limit: 8 << 20).parts.isEmpty ? 0 : records.count) }
        }
        try measure("ingested message decode (500 per message)", n) {
            var done = 0
            for _ in 0..<messages {
                for value in encoded { done += try IngestedMessage(decoding: value).records.count }
            }
            return done
        }
        let std = StandardRecord(type: .student, key: Digest32(w0: 1, w1: 2, w2: 3, w3: 4), schoolCode: "3133000001", countyCode: "330106",
                                 updatedAtMicros: 1, position: source, gender: 1, grade: 11, status: 1)
        try measure("std batch append + encode (500 per message)", n) {
            var done = 0
            for _ in 0..<messages {
                var builder = StandardRecordBatchBuilder(topic: "raw.student", monitorNames: ["a", "b", "c"])
                for _ in 0..<records.count { _ = builder.append(std) }
                done += builder.encoded().isEmpty ? 0 : builder.count
            }
            return done
        }
    }

    /// The standard record's wire format, encoded and decoded.
    func benchWireFormat(measure: Measure) throws {
        let position = SourcePosition(topic: "raw.student", partition: 0, offset: 0, row: 0)
        try measure("standard record encode + decode", records) {
            let r = StandardRecord(type: .student, key: Digest32(w0: 1, w1: 2, w2: 3, w3: 4), schoolCode: "3133000001", countyCode: "330106",
                                   updatedAtMicros: 1, position: position, gender: 1, grade: 11, status: 1)
            var n = 0
            for _ in 0..<records where (try? StandardRecord(decoding: r.encoded())) != nil { n += 1 }
            return n
        }
    }

    /// The sink's commit: `records` new students in transactions of `sinkBatch`, then a newer
    /// version of each (every one a replacement: retraction and addition), then another newer
    /// version with one poison record (a NUL in its class) in the middle of every transaction:
    /// the cost of isolating it by bisection. The records are built before the clock starts
    /// and carry quality masks as Transform sets them (every student monitor checked, one in
    /// ten failing one); each case also prints the server's CPU per record (the session's
    /// backend, from /proc).
    func benchSinkCommit(conninfo: String, topology: Topology, measure: Measure) throws {
        let db = try PGConnection(conninfo: conninfo)
        let schema = HubSchema(name: "bench_sink_\(getpid())")
        try schema.migrate(db, topology: topology)
        defer { _ = try? db.execute("DROP SCHEMA \(schema.name) CASCADE; DROP SCHEMA \(schema.privateName) CASCADE") }
        let bits = try MonitorBits.load(db, schema: schema)
        let committer = SinkCommitter(db: db, schema: schema, topology: topology, bits: bits)
        let topic = "bench.std.student"
        let partitions = SinkPartitionState(db: db, schema: schema, stdTopics: [topic: .student], partitionCounts: [.student: 1])
        _ = try partitions.loadOffsets(group: "bench", partitions: [(topic, 0)])
        let backend = try ServerCPU(db)
        var next: Int64 = 0
        func commitAll(_ batches: [SinkBatch]) throws -> Int {
            var changed = 0
            for var batch in batches {
                batch.offsets = [OffsetAdvance(topic: topic, partition: 0, expected: next, next: next + 1)]
                next += 1
                let summary = try committer.commit(group: "bench", batch, slots: partitions.slots)
                changed += summary.stateChanges + summary.isolated.count
            }
            return changed
        }
        let checked = (bits.names[.student] ?? []).enumerated().reduce(UInt64(0)) { $1.element.isEmpty ? $0 : $0 | 1 << UInt64($1.offset) }
        let roundCount = max(rounds, 1)
        for (label, step, poisoned) in [("new", 0, false), ("replaced", 1, false), ("one poison", 2, true)] {
            let name = "sink commit, \(label) (\(sinkBatch)/transaction)"
            // Every round does the same work: "new" brings new keys each round, the others a
            // newer version of the first `records` keys (2, 3, … after "new"'s version 1).
            let prepared = try (0..<roundCount).map { round in
                try sinkBatches(topic: topic, firstKey: step == 0 ? round * records : 0,
                                version: step == 0 ? 1 : Int64(2 + (step - 1) * roundCount + round),
                                poisoned: poisoned, checked: checked)
            }
            let before = backend.seconds()
            // Each case builds on the state the previous ones left, so all of them run.
            if let only, !name.contains(only) {
                for batches in prepared { _ = try commitAll(batches) }
                continue
            }
            var round = 0
            try measure(name, records) {
                defer { round += 1 }
                return try commitAll(prepared[min(round, prepared.count - 1)])
            }
            if let before, let after = backend.seconds() {
                print("  PostgreSQL backend CPU".padding(toLength: 44, withPad: " ", startingAt: 0)
                      + String(format: "%28.2f µs/rec", (after - before) * 1e6 / Double(records * max(rounds, 1))))
            }
        }
        // A restart or a rebalance: the partition's slot map loaded again from everything the
        // cases stored (`records` keys per round of "new").
        var bytes = 0
        try measure("sink reload of a partition's slot map", records * roundCount) {
            let fresh = SinkPartitionState(db: db, schema: schema, stdTopics: [topic: .student], partitionCounts: [.student: 1])
            _ = try fresh.loadOffsets(group: "bench", partitions: [(topic, 0)])
            bytes = fresh.slots.summary.bytes
            return fresh.slots.summary.keys
        }
        if bytes > 0 {
            print("  slot map size".padding(toLength: 44, withPad: " ", startingAt: 0)
                  + String(format: "%28.1f MiB", Double(bytes) / 1_048_576))
        }
    }

    /// The students of one round of a sink case, persons `firstKey` onwards, in transactions of
    /// `sinkBatch` (offsets set at commit).
    func sinkBatches(topic: String, firstKey: Int, version: Int64, poisoned: Bool, checked: UInt64) throws -> [SinkBatch] {
        let pseudonymizer = Pseudonymizer(secret: Array("bench-secret".utf8))
        return try stride(from: 0, to: records, by: sinkBatch).map { start in
            var batch = SinkBatch()
            let end = min(start + sinkBatch, records)
            let poison = poisoned ? (start + end) / 2 : -1
            for n in start..<end {
                let className: String? = n == poison ? "1\u{0}班" : nil
                var r = StandardRecord(
                    type: .student, key: try pseudonymizer.personCode(canonicalId: "bench-\(firstKey + n)"), schoolCode: Self.school(n),
                    countyCode: "330106", updatedAtMicros: 1_788_228_000_000_000 + version,
                    position: SourcePosition(topic: topic, partition: 0, offset: Int64(start / sinkBatch), row: Int32(n - start)),
                    gender: Int16(1 + n % 2), grade: Int16(11 + n % 6), status: 1, className: className,
                    birthDay: 17_900 + Int32(n % 365), localIdCode: try pseudonymizer.pseudonym(domain: "registry_no", "G\(firstKey + n)"),
                    sourceTimestampMs: 1_788_228_000_000)
                r.qualityChecked = checked
                r.qualityFailed = n % 10 == 0 ? checked & (0 &- checked) : 0
                batch.append(r, partition: 0)
            }
            return batch
        }
    }

    static func school(_ i: Int) -> String { "31330001" + String(format: "%02d", i % 100) }

    /// A valid ID number for person `n` (born 2019, GB 11643 check character).
    static func id(_ n: Int) -> String {
        IdNumber.completing("330106" + "2019" + String(format: "%02d%02d", 1 + n % 12, 1 + n % 28) + String(format: "%03d", n % 1000))!
    }

    static func birth(_ n: Int) -> (String, String, String) {
        ("2019", String(format: "%02d", 1 + n % 12), String(format: "%02d", 1 + n % 28))
    }

    static func stdStudent(_ n: Int) -> String {
        let (y, m, d) = birth(n)
        return "{\"XXBSM\":\"\(school(n))\",\"XJH\":\"G\(id(n))\",\"XM\":\"学生\",\"XBM\":\"1\",\"CSRQ\":\"\(y)\(m)\(d)\",\"SFZJH\":\"\(id(n))\","
            + "\"NJDM\":\"11\",\"BJ\":\"1班\",\"XJZT\":\"1\",\"GXSJ\":\"2026-09-01 08:00:00\"}"
    }

    static func stdStudentCSV(_ n: Int) -> String {
        let (y, m, d) = birth(n)
        return "\(school(n)),G\(id(n)),学生,1,\(y)\(m)\(d),\(id(n)),11,1班,1,2026-09-01 08:00:00"
    }

    static func enStudent(_ n: Int) -> String {
        let (y, m, d) = birth(n)
        return "{\"school_code\":\"\(school(n))\",\"student_no\":\"G\(id(n))\",\"name\":\"Student\",\"gender\":\"M\",\"birth_date\":\"\(y)-\(m)-\(d)\","
            + "\"id_number\":\"\(id(n))\",\"grade\":1,\"class_name\":\"Class 1\",\"status\":\"enrolled\",\"updated_at\":\"2026-09-01T08:00:00+08:00\"}"
    }

    static func zhStudent(_ n: Int) -> String {
        let (y, m, d) = birth(n)
        return "{\"学校代码\":\"\(school(n))\",\"学籍号\":\"G\(id(n))\",\"姓名\":\"学生\",\"性别\":\"男\",\"出生日期\":\"\(y)/\(Int(m)!)/\(Int(d)!)\","
            + "\"身份证号\":\"\(id(n))\",\"年级\":\"一年级\",\"班级\":\"1班\",\"学籍状态\":\"在读\",\"更新时间\":\"2026-9-1 8:00:00\"}"
    }
}

/// The CPU time of this connection's PostgreSQL backend (same machine: `/proc/<pid>/stat`,
/// utime and stime); nil where it cannot be read.
struct ServerCPU {
    let pid: Int

    init(_ db: PGConnection) throws {
        pid = try db.query("SELECT pg_backend_pid() AS pid").rows.first.map { try $0.decode("pid") } ?? 0
    }

    func seconds() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else {
            return nil
        }
        // After the name: field 3 (state) first, so utime (14) and stime (15) are at 11 and 12.
        let fields = text[text.index(after: close)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]), ticks > 0 else { return nil }
        return (user + system) / ticks
    }
}
