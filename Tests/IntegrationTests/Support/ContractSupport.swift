import Foundation
import Kafka
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Helpers of the input-contract tests (SPEC §2–§4): text encodings, partition-addressed
/// sends with known offsets, and reading back topics and tables for the privacy checks.
enum Encode {
    /// `text` converted from UTF-8 to `charset` with iconv (for GBK/GB18030 test values).
    static func iconvert(_ text: String, to charset: String) throws -> [UInt8] {
        guard let cd = iconv_open(charset, "UTF-8"), cd != iconv_t(bitPattern: -1) else {
            throw HarnessError("iconv cannot convert UTF-8 to \(charset)")
        }
        defer { iconv_close(cd) }
        var source = Array(text.utf8).map { CChar(bitPattern: $0) }
        var result: [UInt8] = []
        var chunk = [CChar](repeating: 0, count: 4096)
        let ok: Bool = source.withUnsafeMutableBufferPointer { src in
            var inPointer: UnsafeMutablePointer<CChar>? = src.baseAddress
            var inLeft = src.count
            while inLeft > 0 {
                let (status, produced): (Int, Int) = chunk.withUnsafeMutableBufferPointer { out in
                    var outPointer: UnsafeMutablePointer<CChar>? = out.baseAddress
                    var outLeft = out.count
                    let s = iconv(cd, &inPointer, &inLeft, &outPointer, &outLeft)
                    return (s, out.count - outLeft)
                }
                result += chunk[0..<produced].map { UInt8(bitPattern: $0) }
                if status == -1 && errno != E2BIG { return false }
            }
            return true
        }
        guard ok else { throw HarnessError("\(charset) cannot encode \(text.count) characters of test text") }
        return result
    }

    static func gbk(_ text: String) throws -> [UInt8] { try iconvert(text, to: "GBK") }
    static func gb18030(_ text: String) throws -> [UInt8] { try iconvert(text, to: "GB18030") }

    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
}

/// Sends raw messages to explicit partitions of one pipeline's topics and remembers the
/// offset each got (the topics are fresh, so offsets count from 0 per partition).
final class PositionedSender: @unchecked Sendable {
    private let producer: KafkaProducer
    private let prefix: String
    private var nextOffset: [String: Int64] = [:]

    init(_ h: PipelineHarness) throws {
        producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": h.brokers, "linger.ms": "1"]))
        prefix = h.prefix
    }

    /// Sends one value and returns its (full topic name, partition, offset).
    @discardableResult
    func send(_ topic: String, partition: Int32, key: String, value: [UInt8]?, headers: [(String, String)] = [],
              timestampMs: Int64? = nil) throws -> (topic: String, partition: Int32, offset: Int64) {
        let slot = "\(topic)#\(partition)"
        let offset = nextOffset[slot] ?? 0
        nextOffset[slot] = offset + 1
        try producer.send(topic: prefix + topic, partition: partition, key: Array(key.utf8), value: value,
                          headers: headers.map { KafkaHeader(name: $0.0, string: $0.1) }, timestampMs: timestampMs)
        // One message at a time, so the offsets follow the send order exactly.
        try producer.flush(timeout: .seconds(30))
        return (prefix + topic, partition, offset)
    }
}

extension PipelineHarness {
    /// Every message (key and value) on `topics` (unprefixed names), read from the beginning
    /// of every partition until nothing more arrives.
    func readAll(_ topics: [String]) throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": brokers]))
        defer { consumer.close() }
        var partitions: [TopicPartition] = []
        for t in topics {
            for p in 0..<Int32(self.partitions) { partitions.append(TopicPartition(topic: prefix + t, partition: p)) }
        }
        try consumer.assign(partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
        var targets: [TopicPartition: Int64] = [:]
        for p in partitions { targets[p] = try consumer.queryWatermarks(p, timeout: .seconds(10)).high }
        var messages: [KafkaMessage] = []
        var quietPolls = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let batch = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(300))
            messages += batch
            let positions = try consumer.position(partitions)
            let reached = positions.allSatisfy { $0.offset >= (targets[$0.topicPartition] ?? 0) || (targets[$0.topicPartition] ?? 0) == 0 }
            quietPolls = batch.isEmpty ? quietPolls + 1 : 0
            if reached && quietPolls >= 3 { break }
        }
        return messages
    }

    /// Every row of every table and view in schema `hub`, as text (`table: row`).
    func publishedRowsAsText() throws -> [String] {
        let rels = try query("""
            SELECT table_name FROM information_schema.tables WHERE table_schema = 'hub' ORDER BY 1
            """)
        var out: [String] = []
        for i in 0..<rels.rowCount {
            let table = rels.value(i, 0)!
            let r = try query("SELECT t::text FROM hub.\"\(table)\" t")
            for j in 0..<r.rowCount { out.append("\(table): \(r.value(j, 0) ?? "")") }
        }
        return out
    }

    /// The places SPEC §3 keeps free of clear personal data — every `hub.*` relation, every
    /// worker log, the `std.*` topics — that contain any of `secrets` (as UTF-8 bytes).
    func personalDataLeaks(_ secrets: [String]) throws -> [String] {
        var leaks: [String] = []
        let rows = try publishedRowsAsText()
        let logText = logs()
        let std = try readAll(["std.student", "std.teacher", "std.attendance"])
        // Guard against a vacuous check: the places searched must hold something.
        if std.isEmpty { leaks.append("no std.* messages were read") }
        if rows.isEmpty || logText.isEmpty { leaks.append("no hub.* rows or no worker logs were read") }
        // C string searches over one text per place (String.contains over many rows is slow);
        // neither PostgreSQL text nor the logs hold a NUL, so the C strings are whole.
        let rowText = rows.joined(separator: "\n")
        for s in secrets {
            let needle = Array(s.utf8)
            if cContains(rowText, s) {
                leaks.append("table row holds \(s): \(rows.first { $0.contains(s) } ?? "?")")
            }
            if cContains(logText, s) { leaks.append("worker log holds \(s)") }
            for m in std where contains(m.value ?? [], needle) || contains(m.key ?? [], needle) {
                leaks.append("\(m.topic)[\(m.partition)]@\(m.offset) holds \(s)")
            }
        }
        return leaks
    }

    private func cContains(_ haystack: String, _ needle: String) -> Bool {
        haystack.withCString { h in needle.withCString { n in strstr(h, n) != nil } }
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// hub.quarantine rows at a position: `reason|field` per row.
    func quarantineRow(topic: String, partition: Int32, offset: Int64, row: Int) throws -> String? {
        let r = try query("""
            SELECT reason, coalesce(field, '-') FROM hub.quarantine
            WHERE src_topic = $1 AND src_partition = $2 AND src_offset = $3 AND src_row = $4
            """, [topic, String(partition), String(offset), String(row)])
        guard r.rowCount == 1 else { return r.rowCount == 0 ? nil : "\(r.rowCount) rows" }
        return "\(r.value(0, 0)!)|\(r.value(0, 1)!)"
    }

    /// Number of hub.quarantine rows of one source message.
    func quarantineRows(topic: String, partition: Int32, offset: Int64) throws -> [Int: String] {
        let r = try query("""
            SELECT src_row, reason, coalesce(field, '-') FROM hub.quarantine
            WHERE src_topic = $1 AND src_partition = $2 AND src_offset = $3
            """, [topic, String(partition), String(offset)])
        var out: [Int: String] = [:]
        for i in 0..<r.rowCount { out[r.int(i, 0)!] = "\(r.value(i, 1)!)|\(r.value(i, 2)!)" }
        return out
    }
}

extension Raw {
    /// Any JSON object from ordered fields; a value starting with `#` is written as raw JSON
    /// (number, null, array), `nil` leaves the field out.
    static func object(_ fields: [(String, String?)]) -> String {
        json(fields.compactMap { f in f.1.map { (f.0, $0) } })
    }

    static func stdTeacher(school: String, id: String, gender: String, status: String, time: String,
                           name: String = "测试教师") -> String {
        json([("XXBSM", school), ("JGH", "T" + id), ("XM", name), ("XBM", gender), ("CSRQ", "19800101"), ("SFZJH", id),
              ("RZZT", status), ("GXSJ", time)])
    }

    static func enTeacher(school: String, id: String, gender: String, status: String, time: String,
                          name: String = "Test Teacher") -> String {
        json([("school_code", school), ("staff_no", "T" + id), ("name", name), ("gender", gender),
              ("birth_date", "1980-01-01"), ("id_number", id), ("status", status), ("updated_at", time)])
    }

    static func zhTeacher(school: String, id: String, gender: String, status: String, time: String,
                          name: String = "测试教师") -> String {
        json([("学校代码", school), ("工号", "T" + id), ("姓名", name), ("性别", gender), ("出生日期", "1980/1/1"),
              ("身份证号", id), ("任职状态", status), ("更新时间", time)])
    }

    static func stdAttendance(school: String, day: String, grade: String, className: String, expected: String,
                              present: String, time: String) -> String {
        json([("XXBSM", school), ("RQ", day), ("NJDM", grade), ("BJ", className), ("YDRS", expected), ("SDRS", present),
              ("GXSJ", time)])
    }

    static func enAttendance(school: String, day: String, grade: String, className: String, expected: String,
                             present: String, time: String) -> String {
        json([("school_code", school), ("date", day), ("grade", grade), ("class_name", className), ("expected", expected),
              ("present", present), ("updated_at", time)])
    }

    static func zhAttendance(school: String, day: String, grade: String, className: String, expected: String,
                             present: String, time: String) -> String {
        json([("学校代码", school), ("日期", day), ("年级", grade), ("班级", className), ("应到人数", expected),
              ("实到人数", present), ("更新时间", time)])
    }

    /// An 18-character ID number whose check character is wrong.
    static func badChecksum(_ n: Int) -> String {
        let good = id(n)
        let check = good.last!
        let other: Character = check == "0" ? "1" : "0"
        return String(good.dropLast()) + String(other)
    }
}

/// The keys where two result maps differ, as `key: actual ≠ expected`, for readable failures.
func differences<V: Equatable>(_ actual: [String: V], _ expected: [String: V]) -> String {
    Set(actual.keys).union(expected.keys).sorted().compactMap { k in
        actual[k] == expected[k] ? nil : "\(k): \(actual[k].map { "\($0)" } ?? "-") ≠ \(expected[k].map { "\($0)" } ?? "-")"
    }.joined(separator: "; ")
}
