import Foundation
import TestSupport

/// One pipeline for every hub-api test (CI time): four schools in three counties and two
/// cities, students, teachers and attendance fed as raw messages through ingest → transform
/// → sink, clients of every level made with `hubctl api client create`, and hub-api started
/// as its executable. The expected figures are computed here from the same lists, without
/// the pipeline's code.
final class APIFixture: @unchecked Sendable {
    static let a = "3133010601", b = "3133010602", c = "3133010501", d = "3133021201"
    static let county: [String: String] = [a: "330106", b: "330106", c: "330105", d: "330212"]

    /// (school, grade code, gender code) → enrolled students.
    static let enrolled: [String: [[Int]: Int]] = [
        a: [[11, 1]: 7, [11, 2]: 6, [12, 1]: 2, [12, 2]: 8],
        b: [[11, 1]: 9, [11, 2]: 3, [12, 1]: 10, [12, 2]: 11],
        c: [[11, 1]: 12, [11, 2]: 10, [12, 1]: 6, [12, 2]: 5],
        d: [[11, 1]: 1, [11, 2]: 8, [12, 1]: 9, [12, 2]: 7],
    ]
    static let graduatedAtA = 3
    static let activeTeachers: [String: Int] = [a: 6, b: 3, c: 10, d: 2]
    /// (school, day) → (expected, present), one class each.
    static let attendanceRows: [(school: String, day: String, expected: Int, present: Int)] = [
        (a, "2026-11-02", 30, 28), (a, "2026-11-03", 30, 27), (b, "2026-11-02", 25, 24), (b, "2026-11-03", 25, 25),
        (c, "2026-11-02", 3, 3), (c, "2026-11-03", 3, 2), (d, "2026-11-02", 40, 35), (d, "2026-11-03", 40, 38),
    ]

    let pipeline: PipelineHarness
    let api: ManagedProcess
    let port: Int
    /// Client name → token.
    private(set) var tokens: [String: String] = [:]

    static let shared: Result<APIFixture, any Error> = Result { try APIFixture() }

    static func get() throws -> APIFixture { try shared.get() }

    private init() throws {
        pipeline = try PipelineHarness("api")
        try pipeline.startAll()
        let registered = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
        for (school, county) in Self.county.sorted(by: { $0.key < $1.key }) {
            try pipeline.register(school: school, county: county, timestampMs: registered)
        }
        try pipeline.flush()
        var n = 0
        for (school, cells) in Self.enrolled.sorted(by: { $0.key < $1.key }) {
            var lines: [String] = []
            for (cell, count) in cells.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                for _ in 0..<count {
                    n += 1
                    lines.append(Raw.enStudent(school: school, id: Raw.id(n, county: "330106", birth: "20180304"), gender: cell[1] == 1 ? "M" : "F",
                                               grade: String(cell[0] - 10), status: "enrolled", time: "2026-11-01T08:00:00+08:00"))
                }
            }
            if school == Self.a {
                for _ in 0..<Self.graduatedAtA {
                    n += 1
                    lines.append(Raw.enStudent(school: school, id: Raw.id(n, county: "330106", birth: "20180304"), gender: "F", grade: "2",
                                               status: "graduated", time: "2026-11-01T08:00:00+08:00"))
                }
            }
            try pipeline.send("raw.student", key: school, text: lines.joined(separator: "\n"), headers: [("content-type", "application/x-ndjson")])
        }
        var t = 0
        for (school, count) in Self.activeTeachers.sorted(by: { $0.key < $1.key }) {
            var lines: [String] = []
            for i in 0..<(count + (school == Self.c ? 1 : 0)) {
                t += 1
                lines.append(Raw.json([("school_code", school), ("staff_no", "T\(t)"), ("name", "教师"), ("gender", "F"),
                                       ("birth_date", "1980-01-01"), ("id_number", Raw.id(t, county: "330105", birth: "19800101")),
                                       ("status", i < count ? "active" : "left"), ("updated_at", "2026-11-01T08:00:00+08:00")]))
            }
            try pipeline.send("raw.teacher", key: school, text: lines.joined(separator: "\n"), headers: [("content-type", "application/x-ndjson")])
        }
        for r in Self.attendanceRows {
            try pipeline.send("raw.attendance", key: r.school, text: Raw.json([
                ("school_code", r.school), ("date", r.day), ("grade", "#1"), ("class_name", "1班"), ("expected", "#\(r.expected)"),
                ("present", "#\(r.present)"), ("updated_at", "2026-11-03T18:00:00+08:00")]))
        }
        try pipeline.flush()
        try pipeline.waitUntilCaughtUp()

        for (name, level, region) in [("ops", "operator", nil), ("prov", "province", "330000"), ("hz", "city", "330100"),
                                      ("xihu", "county", "330106"), ("gongshu", "county", "330105"), ("school-a", "school", Self.a),
                                      ("burst", "county", "330106"), ("revoked", "county", "330106")] as [(String, String, String?)] {
            var args = ["api", "client", "create", "--name", name, "--level", level, "--token-only"]
            if let region { args += ["--region", region] }
            tokens[name] = try pipeline.hubctl(args).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try pipeline.hubctl(["api", "client", "revoke", "--name", "revoked"])
        (api, port) = try Self.startAPI(pipeline, extra: [:])
    }

    static func startAPI(_ pipeline: PipelineHarness, extra: [String: String]) throws -> (ManagedProcess, Int) {
        let port = HTTPProbe.freePort()
        let env = pipeline.environment("api").merging(["HUB_HTTP_PORT": String(port), "HUB_API_RATE_LIMIT": "100000",
                                                       "HUB_LOG_FORMAT": "json"].merging(extra) { $1 }) { $1 }
        let p = try ManagedProcess(executable: PipelineHarness.binDirectory + "/hub-api", environment: env)
        try eventually(timeout: .seconds(60), "hub-api answers /healthz") {
            guard p.isRunning else { throw HarnessError("hub-api exited: \(p.standardError().suffix(2000))") }
            return (try? HTTPProbe.get(port: port, path: "/healthz").status) == 200
        }
        return (p, port)
    }

    func token(_ client: String) -> String { tokens[client] ?? "" }

    func get(_ path: String, as client: String?, host: String = "127.0.0.1", headers: [String: String] = [:]) throws -> HTTPResponseData {
        var h = headers
        if let client { h["Authorization"] = "Bearer \(token(client))" }
        return try HTTP.request(host: host, port: port, path: path, headers: h)
    }

    /// Every page of a list endpoint, following `meta.next_cursor`.
    func all(_ path: String, as client: String) throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        var cursor: String?
        repeat {
            let sep = path.contains("?") ? "&" : "?"
            let r = try get(path + (cursor.map { "\(sep)cursor=\($0)" } ?? ""), as: client)
            guard r.status == 200 else { throw HarnessError("\(path) as \(client): \(r.status) \(r.text)") }
            let json = try r.json()
            rows += json["rows"] as? [[String: Any]] ?? []
            cursor = (json["meta"] as? [String: Any])?["next_cursor"] as? String
        } while cursor != nil
        return rows
    }

    // MARK: expected figures

    static func city(_ county: String) -> String { String(county.prefix(4)) + "00" }

    static func regions(ofSchool s: String) -> [(String, String)] {
        let c = county[s] ?? ""
        return [("province", "330000"), ("city", city(c)), ("county", c), ("school", s)]
    }

    /// `level|region|grade|gender` → students.
    static var expectedEnrollment: [String: Int] {
        var out: [String: Int] = [:]
        for (s, cells) in enrolled {
            for (cell, v) in cells where v > 0 {
                for (l, r) in regions(ofSchool: s) { out["\(l)|\(r)|\(cell[0])|\(cell[1])", default: 0] += v }
            }
        }
        return out
    }

    static var expectedTeachers: [String: Int] {
        var out: [String: Int] = [:]
        for (s, v) in activeTeachers { for (l, r) in regions(ofSchool: s) { out["\(l)|\(r)", default: 0] += v } }
        return out
    }

    static var expectedAttendance: [String: [Int]] {
        var out: [String: [Int]] = [:]
        for row in attendanceRows {
            for (l, r) in regions(ofSchool: row.school) {
                let cur = out["\(l)|\(r)|\(row.day)"] ?? [0, 0]
                out["\(l)|\(r)|\(row.day)"] = [cur[0] + row.expected, cur[1] + row.present]
            }
        }
        return out
    }

    /// The regions a client of (level, region) may see (SPEC §1 hierarchy).
    static func visible(_ level: String, _ region: String) -> Set<String> {
        var out: Set<String> = []
        for s in county.keys {
            for (l, r) in regions(ofSchool: s) {
                let ok: Bool = switch level {
                case "province": true
                case "city": (l == "city" && r == region) || (l == "county" && city(r) == region) || (l == "school" && city(county[r] ?? "") == region)
                case "county": (l == "county" && r == region) || (l == "school" && county[r] == region)
                default: l == "school" && r == region
                }
                if ok { out.insert(r) }
            }
        }
        return out
    }
}
