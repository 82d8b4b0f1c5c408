import Foundation
import Testing
import TestSupport

/// `hubctl report quality`: the report's figures against the database, and the score
/// formula of the README recomputed here from the raw (checked, failed) counts.
@Suite("Quality report", .serialized)
struct QualityReportTests {
    typealias F = QualityFixture

    /// The README formula, written out independently: per monitor 1 − Σfailed/Σchecked over
    /// the region and period; per dimension 100 × the mean over its monitors that checked
    /// something; overall the mean of the dimension scores.
    static func scores(_ rows: [(monitor: String, dimension: String, checked: Int, failed: Int)]) -> (overall: Double?, dimensions: [String: Double]) {
        var sums: [String: (dimension: String, checked: Int, failed: Int)] = [:]
        for r in rows {
            let s = sums[r.monitor] ?? (r.dimension, 0, 0)
            sums[r.monitor] = (r.dimension, s.checked + r.checked, s.failed + r.failed)
        }
        var perDimension: [String: [Double]] = [:]
        for s in sums.values where s.checked > 0 { perDimension[s.dimension, default: []].append(1 - Double(s.failed) / Double(s.checked)) }
        let dimensions = perDimension.mapValues { 100 * $0.reduce(0, +) / Double($0.count) }
        return (dimensions.isEmpty ? nil : dimensions.values.reduce(0, +) / Double(dimensions.count), dimensions)
    }

    @Test func countyReportMatchesTheDatabaseAndTheFormula() throws {
        let f = try F("q_report")
        defer { f.stop() }
        let (a, b, c) = (F.a, F.b, F.c)
        var students = (1...7).map { F.student($0, school: a) } + (8...10).map { F.student($0, school: a, [("XM", nil)]) }
        students += (11...14).map { F.student($0, school: b) } + [F.student(15, school: b, [("CSRQ", "20190230")])]
        students += (16...19).map { F.student($0, school: c, time: "2026-09-02 08:00:00", [("NJDM", "16")]) }
        try f.send("raw.student", students, at: "2026-09-02 10:00:00")
        try f.send("raw.teacher", [F.teacher(1, school: a), F.teacher(2, school: a, birth: "19500101")], at: "2026-09-01 10:00:00")
        try f.send("raw.attendance", [F.attendance(school: a, day: "20260901", cls: "1"),
                                      F.attendance(school: a, day: "20260901", cls: "2", expected: 30, present: 33),
                                      F.attendance(school: b, day: "20260902", cls: "1")], at: "2026-09-01 09:00:00")
        try f.waitUntilCaughtUp()
        let dir = NSTemporaryDirectory() + "eduhub-report-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try f.h.hubctl(["quality", "evaluate", "--from", "2026-09-01", "--to", "2026-09-02"])
        let said = try f.h.hubctl(["report", "quality", "--level", "county", "--region", "330106",
                                   "--from", "2026-09-01", "--to", "2026-09-02", "--out", dir])
        let base = dir + "/quality-county-330106-2026-09-01-2026-09-02"
        #expect(said.contains(base + ".html"))

        // The raw counts of the county's schools (A and B; C is in 330212).
        let raw = try f.h.query("""
            SELECT q.monitor, m.dimension, q.school_code, q.day::text, q.checked, q.failed
            FROM hub.quality_results q JOIN hub.quality_monitors m USING (monitor)
            WHERE q.school_code IN ($1, $2) AND q.day BETWEEN '2026-09-01' AND '2026-09-02'
            """, [a, b])
        var rows: [(monitor: String, dimension: String, school: String, day: String, checked: Int, failed: Int)] = []
        for i in 0..<raw.rowCount {
            rows.append((raw.value(i, 0)!, raw.value(i, 1)!, raw.value(i, 2)!, raw.value(i, 3)!, raw.int(i, 4)!, raw.int(i, 5)!))
        }
        #expect(!rows.contains { $0.school == c })
        let expected = Self.scores(rows.map { ($0.monitor, $0.dimension, $0.checked, $0.failed) })

        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json"))) as? [String: Any])
        #expect(json["level"] as? String == "county" && json["region"] as? String == "330106")
        let overall = try #require(json["overallScore"] as? Double)
        #expect(abs(overall - expected.overall!) < 1e-9)
        let dimensions = try #require(json["dimensions"] as? [[String: Any]])
        #expect(Set(dimensions.compactMap { $0["dimension"] as? String }) == Set(expected.dimensions.keys))
        for d in dimensions {
            let name = d["dimension"] as! String
            #expect(abs((d["score"] as! Double) - expected.dimensions[name]!) < 1e-9, "\(name)")
            #expect(d["checked"] as? Int == rows.filter { $0.dimension == name }.reduce(0) { $0 + $1.checked })
            #expect(d["failed"] as? Int == rows.filter { $0.dimension == name }.reduce(0) { $0 + $1.failed })
        }
        // Per monitor, per day, per school: the same sums.
        let monitors = try #require(json["monitors"] as? [[String: Any]])
        for m in monitors {
            let name = m["monitor"] as! String
            #expect(m["checked"] as? Int == rows.filter { $0.monitor == name }.reduce(0) { $0 + $1.checked }, "\(name)")
            #expect(m["failed"] as? Int == rows.filter { $0.monitor == name }.reduce(0) { $0 + $1.failed }, "\(name)")
        }
        #expect(Set(monitors.compactMap { $0["monitor"] as? String }) == Set(rows.map(\.monitor)))
        let days = try #require(json["days"] as? [[String: Any]])
        #expect(days.compactMap { $0["day"] as? String } == ["2026-09-01", "2026-09-02"])
        for d in days {
            let day = d["day"] as! String
            let s = Self.scores(rows.filter { $0.day == day }.map { ($0.monitor, $0.dimension, $0.checked, $0.failed) })
            #expect(abs((d["overallScore"] as! Double) - s.overall!) < 1e-9, "\(day)")
        }
        let schools = try #require(json["worstSchools"] as? [[String: Any]])
        let schoolScores = [a, b].map { s in (s, Self.scores(rows.filter { $0.school == s }.map { ($0.monitor, $0.dimension, $0.checked, $0.failed) }).overall!) }
        #expect(schools.compactMap { $0["region"] as? String } == schoolScores.sorted { $0.1 < $1.1 }.map(\.0))
        let alerts = try f.h.query("""
            SELECT count(*) FROM hub.quality_alerts WHERE school_code IN ($1, $2) AND day BETWEEN '2026-09-01' AND '2026-09-02'
            """, [a, b]).int(0, 0)!
        #expect((json["alerts"] as? [Any])?.count == alerts)
        #expect(alerts > 0)

        // HTML: self-contained, with the figures; Markdown: the same figures.
        let html = try String(contentsOfFile: base + ".html", encoding: .utf8)
        let markdown = try String(contentsOfFile: base + ".md", encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://") && !html.contains("<link"))
        for text in [html, markdown] {
            #expect(text.contains(Self.oneDecimal(overall)))
            for (_, score) in expected.dimensions { #expect(text.contains(Self.oneDecimal(score))) }
            for m in monitors where (m["failed"] as! Int) > 0 { #expect(text.contains(m["monitor"] as! String)) }
            #expect(text.contains(a) && text.contains(b) && !text.contains(c))
        }
        // No clear personal data: the report carries codes and pseudonyms only.
        #expect(!html.contains("学生") && !html.contains("教师"))
        let size = try FileManager.default.attributesOfItem(atPath: base + ".html")[.size] as? Int ?? 0
        #expect(size > 2_000 && size < 500_000)
    }

    /// A score as the report prints it: one decimal, half away from zero.
    static func oneDecimal(_ v: Double) -> String {
        let tenths = (v * 10).rounded(.toNearestOrAwayFromZero)
        let whole = Int(tenths) / 10, frac = abs(Int(tenths) % 10)
        return "\(whole).\(frac)"
    }
}
