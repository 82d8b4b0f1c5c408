import Foundation
import Kafka
import TestSupport

/// A pipeline for one quality-monitor test: three schools in two cities, registered well
/// before any record, and helpers to send records at a given Kafka time and to read the
/// monitors' results, rollups and alerts back. Expected figures are written out by each test.
final class QualityFixture: @unchecked Sendable {
    /// Schools A and B in county 330106 (city 330100), C in county 330212 (city 330200).
    static let a = "3133000101", b = "3133000102", c = "3133000201"
    static let counties = [a: "330106", b: "330106", c: "330212"]

    let h: PipelineHarness
    let out: PositionedSender

    init(_ name: String, start: Bool = true) throws {
        h = try PipelineHarness(name)
        out = try PositionedSender(h)
        let registered = Self.ms("2026-08-01 00:00:00")
        for (school, county) in Self.counties.sorted(by: { $0.key < $1.key }) {
            try h.register(school: school, county: county, timestampMs: registered)
        }
        try h.flush()
        if start { try h.startAll() }
    }

    func stop() { h.stopAll() }

    /// Milliseconds since the epoch of a Beijing wall time `YYYY-MM-DD HH:MM:SS`.
    static func ms(_ beijing: String) -> Int64 {
        let p = beijing.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).map { Int64($0)! }
        var days: Int64 = 0
        for y in 1970..<p[0] { days += (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365 }
        let monthDays: [Int64] = [31, (p[0] % 4 == 0 && (p[0] % 100 != 0 || p[0] % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for m in 0..<Int(p[1] - 1) { days += monthDays[m] }
        days += p[2] - 1
        return ((days * 86_400 + p[3] * 3600 + p[4] * 60 + p[5]) - 8 * 3600) * 1000
    }

    /// Sends `lines` as one ndjson value to `partition` of raw `topic`, with Kafka time `at`.
    func send(_ topic: String, _ lines: [String], partition: Int32 = 0, at: String = "2026-09-01 10:00:00") throws {
        try out.send(topic, partition: partition, key: "k", value: Array(lines.joined(separator: "\n").utf8),
                     headers: [("content-type", "application/x-ndjson")], timestampMs: Self.ms(at))
    }

    func waitUntilCaughtUp() throws { try h.waitUntilCaughtUp() }

    /// Runs the bulk evaluation the uniqueness monitors are computed by (what the scheduler's
    /// `quality_report` task runs), which also publishes the alerts it raised.
    func evaluate() throws {
        _ = try h.hubctl(["quality", "evaluate", "--from", "2026-09-01", "--to", "2026-09-02"])
    }

    // MARK: records

    /// A valid `std` student: person `n` born on `birth`, primary 1 (age 7 on 1 Sept 2026).
    static func student(_ n: Int, school: String, birth: String = "20190510", time: String = "2026-09-01 08:00:00",
                        _ changes: [(String, String?)] = []) -> String {
        let id = Raw.id(n, county: "330106", birth: birth)
        return json([("XXBSM", school), ("XJH", "G" + id), ("XM", "学生\(n)"), ("XBM", "1"), ("CSRQ", birth), ("SFZJH", id),
                     ("NJDM", "11"), ("BJ", "1班"), ("XJZT", "1"), ("GXSJ", time)], changes)
    }

    /// A valid `std` teacher: person `n`, born 1985, active.
    static func teacher(_ n: Int, school: String, birth: String = "19850310", time: String = "2026-09-01 08:00:00",
                        _ changes: [(String, String?)] = []) -> String {
        let id = Raw.id(n, county: "330106", birth: birth)
        return json([("XXBSM", school), ("JGH", "T\(n)"), ("XM", "教师\(n)"), ("XBM", "2"), ("SFZJH", id), ("RZZT", "1"),
                     ("GXSJ", time)], changes)
    }

    /// A JSON object of `fields` with `changes` applied: a new value replaces the field's,
    /// nil removes it, an unknown name is appended.
    static func json(_ fields: [(String, String)], _ changes: [(String, String?)]) -> String {
        var fields: [(String, String?)] = fields.map { ($0.0, $0.1) }
        for (k, v) in changes {
            if let i = fields.firstIndex(where: { $0.0 == k }) { fields[i].1 = v } else { fields.append((k, v)) }
        }
        return Raw.json(fields.compactMap { f in f.1.map { (f.0, $0) } })
    }

    /// A `std` attendance record for one class on `day` (`YYYYMMDD`).
    static func attendance(school: String, day: String, cls: String, expected: Int = 30, present: Int = 29,
                           time: String? = nil) -> String {
        let t = time ?? "\(day.prefix(4))-\(day.dropFirst(4).prefix(2))-\(day.suffix(2)) 09:00:00"
        return Raw.json([("XXBSM", school), ("RQ", day), ("NJDM", "11"), ("BJ", cls), ("YDRS", "#\(expected)"),
                         ("SDRS", "#\(present)"), ("GXSJ", t)])
    }

    // MARK: reading results

    /// `school|day` → [checked, failed] of `monitor`, rows that are not all zero.
    func results(_ monitor: String) throws -> [String: [Int]] {
        let r = try h.query("""
            SELECT school_code, day::text, checked, failed FROM hub.quality_results
            WHERE monitor = $1 AND (checked <> 0 OR failed <> 0)
            """, [monitor])
        var rows: [String: [Int]] = [:]
        for i in 0..<r.rowCount { rows["\(r.value(i, 0)!)|\(r.value(i, 1)!)"] = [r.int(i, 2)!, r.int(i, 3)!] }
        return rows
    }

    /// `level|region|day` → [checked, failed] of `monitor` above school level.
    func rollup(_ monitor: String) throws -> [String: [Int]] {
        let r = try h.query("""
            SELECT level, region_code, day::text, checked, failed FROM hub.quality_rollup
            WHERE monitor = $1 AND level <> 'school' AND (checked <> 0 OR failed <> 0)
            """, [monitor])
        var rows: [String: [Int]] = [:]
        for i in 0..<r.rowCount { rows["\(r.value(i, 0)!)|\(r.value(i, 1)!)|\(r.value(i, 2)!)"] = [r.int(i, 3)!, r.int(i, 4)!] }
        return rows
    }

    /// The rollup of school rows, computed plainly: county and city by the fixture's map,
    /// schools outside the registry only in the province.
    static func expectedRollup(_ schoolRows: [String: [Int]]) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        func add(_ k: String, _ v: [Int]) { out[k] = zip(out[k] ?? [0, 0], v).map { $0 + $1 } }
        for (k, v) in schoolRows {
            let parts = k.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let (school, day) = (parts[0], parts[1])
            add("province|330000|\(day)", v)
            if let county = counties[school] {
                add("county|\(county)|\(day)", v)
                add("city|\(county.prefix(4))00|\(day)", v)
            }
        }
        return out
    }

    /// `school|day` of the alert rows of `monitor`.
    func alertRows(_ monitor: String) throws -> Set<String> {
        let r = try h.query("SELECT school_code, day::text FROM hub.quality_alerts WHERE monitor = $1", [monitor])
        return Set((0..<r.rowCount).map { "\(r.value($0, 0)!)|\(r.value($0, 1)!)" })
    }

    /// `school|day` → number of messages for `monitor` on the alerts topic, once every raised
    /// alert has been published.
    func alertMessages(_ monitor: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (key, n) in try h.alertMessageCounts() {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[0] == monitor else { continue }
            counts["\(parts[1])|\(parts[2])", default: 0] += n
        }
        return counts
    }

    /// Asserts-ready summary of one monitor: school rows, rollup, alert rows, alert messages.
    func outcome(_ monitor: String) throws -> (rows: [String: [Int]], rollup: [String: [Int]], alerts: Set<String>, messages: [String: Int]) {
        (try results(monitor), try rollup(monitor), try alertRows(monitor), try alertMessages(monitor))
    }
}

extension PipelineHarness {
    /// Message key → number of messages on the alerts topic, read once the outbox is empty
    /// (every raised alert published) and until the topic stays quiet.
    func alertMessageCounts() throws -> [String: Int] {
        try eventually(timeout: .seconds(60), "alerts published") {
            try query("SELECT count(*) FROM hub.quality_alerts WHERE published_at IS NULL").int(0, 0) == 0
        }
        let consumer = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": brokers]))
        defer { consumer.close() }
        let tp = TopicPartition(topic: prefix + "quality.alerts", partition: 0)
        try consumer.assign([TopicPartitionOffset(tp, offset: TopicPartitionOffset.beginning)])
        let high = try consumer.queryWatermarks(tp, timeout: .seconds(10)).high
        var counts: [String: Int] = [:]
        var quiet = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let batch = try consumer.poll(maxMessages: 1_000, timeout: .milliseconds(300))
            for m in batch { counts[String(decoding: m.key ?? [], as: UTF8.self), default: 0] += 1 }
            quiet = batch.isEmpty ? quiet + 1 : 0
            let position = try consumer.position([tp]).first?.offset ?? 0
            if (high == 0 || position >= high) && quiet >= 3 { break }
        }
        return counts
    }

    /// `monitor|school|day` → [checked, failed] of every monitor, rows that are not all zero.
    func qualityResults() throws -> [String: [Int]] {
        let r = try query("SELECT monitor, school_code, day::text, checked, failed FROM hub.quality_results WHERE checked <> 0 OR failed <> 0")
        var rows: [String: [Int]] = [:]
        for i in 0..<r.rowCount { rows["\(r.value(i, 0)!)|\(r.value(i, 1)!)|\(r.value(i, 2)!)"] = [r.int(i, 3)!, r.int(i, 4)!] }
        return rows
    }
}
