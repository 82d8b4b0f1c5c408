import Foundation
import Testing
import TestSupport

/// hub-api against real pipeline output (see ``APIFixture``): figures equal the independently
/// computed aggregates, row-level security limits every client, small cells are suppressed and
/// cannot be recomputed, every request leaves one audit row, limits and bad parameters answer
/// as documented, over IPv4 and IPv6.
@Suite("hub-api", .serialized)
struct APITests {
    typealias F = APIFixture

    static func key(_ row: [String: Any], _ fields: [String]) -> String {
        fields.map { "\(row[$0] ?? "")" }.joined(separator: "|")
    }

    @Test func operatorSeesExactFiguresOfEveryEndpoint() throws {
        let f = try F.get()
        var enrollment: [String: Int] = [:]
        for r in try f.all("/v1/enrollment?limit=7", as: "ops") {
            #expect(r["suppressed"] as? Bool == false)
            enrollment[Self.key(r, ["level", "region", "grade", "gender"])] = r["students"] as? Int
        }
        #expect(enrollment == F.expectedEnrollment)
        var teachers: [String: Int] = [:]
        for r in try f.all("/v1/teachers", as: "ops") { teachers[Self.key(r, ["level", "region"])] = r["teachers"] as? Int }
        #expect(teachers == F.expectedTeachers)
        var attendance: [String: [Int]] = [:]
        for r in try f.all("/v1/attendance", as: "ops") {
            attendance[Self.key(r, ["level", "region", "day"])] = [r["expected"] as? Int ?? -1, r["present"] as? Int ?? -1]
        }
        #expect(attendance == F.expectedAttendance)
        let filtered = try f.all("/v1/attendance?level=school&region=330106&from=2026-11-03&to=2026-11-03", as: "ops")
        #expect(Set(filtered.map { Self.key($0, ["region", "day", "expected", "present"]) })
                == ["\(F.a)|2026-11-03|30|27", "\(F.b)|2026-11-03|25|25"])
        let me = try f.get("/v1/me", as: "ops").json()
        #expect((me["suppression"] as? [String: Any])?["applied"] as? Bool == false)
    }

    @Test(arguments: [("prov", "province", "330000"), ("hz", "city", "330100"), ("xihu", "county", "330106"),
                      ("gongshu", "county", "330105"), ("school-a", "school", F.a)])
    func eachClientSeesItsRegionsWithSmallCellsSuppressed(client: String, level: String, region: String) throws {
        let f = try F.get()
        let visible = F.visible(level, region)
        let rows = try f.all("/v1/enrollment", as: client)
        let expected = F.expectedEnrollment.filter { visible.contains(String($0.key.split(separator: "|")[1])) }
        #expect(Set(rows.map { $0["region"] as? String ?? "" }) == Set(expected.keys.map { String($0.split(separator: "|")[1]) }))
        #expect(rows.count == expected.count)
        for r in rows {
            let k = Self.key(r, ["level", "region", "grade", "gender"])
            let exact = expected[k] ?? -1
            if r["suppressed"] as? Bool == true {
                #expect(r["students"] == nil || r["students"] is NSNull, "\(k) suppressed but carries a figure")
            } else {
                #expect(exact >= 5, "\(k) = \(exact) is small but published")
                #expect(r["students"] as? Int == exact, "\(k)")
            }
        }
        let teacherRows = try f.all("/v1/teachers", as: client)
        #expect(Set(teacherRows.map { $0["region"] as? String ?? "" }) == visible)
        for r in teacherRows where r["suppressed"] as? Bool != true {
            #expect(r["teachers"] as? Int == F.expectedTeachers[Self.key(r, ["level", "region"])])
            #expect((r["teachers"] as? Int ?? 0) >= 5)
        }
        let meta = try f.get("/v1/enrollment?limit=1", as: client).json()["meta"] as? [String: Any]
        let suppression = meta?["suppression"] as? [String: Any]
        #expect(suppression?["applied"] as? Bool == true)
        #expect(suppression?["k"] as? Int == 5)
        let rule: String = (suppression?["rule"] as? String) ?? ""
        #expect(rule.contains("1 to 4"))
    }

    /// The province client sees every published cell: parent = Σ children for every (grade,
    /// gender). Interval propagation over those sums must leave every suppressed cell open.
    @Test func suppressedCellsCannotBeRecoveredFromTheRegionSums() throws {
        let f = try F.get()
        let rows = try f.all("/v1/enrollment", as: "prov")
        var known: [String: Int] = [:]
        var hidden: Set<String> = []
        for r in rows {
            let k = "\(r["region"] ?? "")|\(r["grade"] ?? "")|\(r["gender"] ?? "")"
            if r["suppressed"] as? Bool == true { hidden.insert(k) } else { known[k] = r["students"] as? Int }
        }
        let expectedSmall = F.expectedEnrollment.filter { (1...4).contains($0.value) }.keys.map { $0.split(separator: "|").dropFirst().joined(separator: "|") }
        #expect(Set(expectedSmall).isSubset(of: hidden))
        #expect(hidden.count > expectedSmall.count, "complementary cells were suppressed too")
        var parent: [String: String] = [:]
        for (s, c) in F.county { parent[s] = c; parent[c] = F.city(c); parent[F.city(c)] = "330000" }
        var lo: [String: Int] = [:], hi: [String: Int] = [:]
        for k in hidden { lo[k] = 1; hi[k] = 1 << 30 }
        for (k, v) in known { lo[k] = v; hi[k] = v }
        var sums: [String: [String]] = [:]
        for k in Array(known.keys) + Array(hidden) {
            let p = k.split(separator: "|")
            if let up = parent[String(p[0])] { sums["\(up)|\(p[1])|\(p[2])", default: []].append(k) }
        }
        for _ in 0..<50 {
            for (p, children) in sums {
                guard let pl = lo[p], let ph = hi[p] else { continue }
                let sLo = children.reduce(0) { $0 + (lo[$1] ?? 0) }
                let sHi = children.reduce(0) { $0 + (hi[$1] ?? 0) }
                lo[p] = max(pl, sLo)
                hi[p] = min(ph, sHi)
                for c in children {
                    hi[c] = min(hi[c] ?? 0, (hi[p] ?? 0) - (sLo - (lo[c] ?? 0)))
                    lo[c] = max(lo[c] ?? 0, (lo[p] ?? 0) - (sHi - (hi[c] ?? 0)))
                }
            }
        }
        for k in hidden {
            #expect((lo[k] ?? 0) < (hi[k] ?? 0), "suppressed cell \(k) recovered: [\(lo[k] ?? 0), \(hi[k] ?? 0)]")
        }
    }

    @Test func countyAndSchoolClientsReadOnlyTheirStandardZone() throws {
        let f = try F.get()
        let county = try f.all("/v1/records/student?limit=10", as: "xihu")
        #expect(Set(county.map { $0["school"] as? String ?? "" }) == [F.a, F.b])
        let enrolledAB = [F.a, F.b].map { F.enrolled[$0]?.values.reduce(0, +) ?? 0 }.reduce(0, +)
        #expect(county.count == enrolledAB + F.graduatedAtA)
        let school = try f.all("/v1/records/student", as: "school-a")
        #expect(Set(school.map { $0["school"] as? String ?? "" }) == [F.a])
        #expect(school.count == (F.enrolled[F.a]?.values.reduce(0, +) ?? 0) + F.graduatedAtA)
        for r in county { #expect(r["birth_date"] == nil && r["name"] == nil) }
        let other = try f.all("/v1/records/student?school=\(F.c)", as: "xihu")
        #expect(other.isEmpty)
        #expect(try f.get("/v1/records/student", as: "hz").status == 403)
    }

    @Test func everyRequestLeavesOneAuditRowAndCSVExportsAreTraced() throws {
        let f = try F.get()
        func count() throws -> Int { try f.pipeline.query("SELECT count(*) FROM hub.api_audit WHERE client_name = 'gongshu'").int(0, 0) ?? -1 }
        let before = try count()
        #expect(try f.get("/v1/teachers", as: "gongshu").status == 200)
        #expect(try f.get("/v1/enrollment?grade=99", as: "gongshu").status == 400)
        let csv = try f.get("/v1/enrollment?format=csv&bom=true", as: "gongshu")
        #expect(csv.status == 200)
        #expect(Array(csv.body.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(csv.text.dropFirst().hasPrefix("level,region,region_name,grade,gender,students,suppressed\r\n"))
        let exportId = try #require(csv.headers["x-export-id"])
        #expect(try count() == before + 3)
        let audit = try f.pipeline.query("""
            SELECT endpoint, status, rows_returned, export_id, parameters->>'format' FROM hub.api_audit
            WHERE client_name = 'gongshu' ORDER BY id DESC LIMIT 3
            """)
        #expect(audit.value(0, 0) == "/v1/enrollment" && audit.value(0, 1) == "200" && audit.value(0, 3) == exportId && audit.value(0, 4) == "csv")
        #expect(audit.int(0, 2) == csv.text.split(separator: "\r\n").count - 1)
        #expect(audit.value(1, 1) == "400" && audit.value(2, 1) == "200")
        let traced = try f.pipeline.hubctl(["api", "audit", "--export-id", exportId, "--json"])
        #expect(traced.contains("\"clientName\":\"gongshu\""))
        #expect(throws: (any Error).self) { try f.pipeline.query("DELETE FROM hub.api_audit") }
    }

    @Test func badParametersAnswer400WithAMessage() throws {
        let f = try F.get()
        for (path, word) in [("/v1/enrollment?grade=7", "grade"), ("/v1/enrollment?gender=3", "gender"), ("/v1/enrollment?level=town", "level"),
                             ("/v1/enrollment?region=12345", "region"), ("/v1/attendance?from=2026-02-30", "from"),
                             ("/v1/attendance?from=2026-11-05&to=2026-11-01", "from"), ("/v1/teachers?limit=0", "limit"),
                             ("/v1/teachers?cursor=xyz", "cursor"), ("/v1/enrollment?format=xml", "format"),
                             ("/v1/enrollment?level=city&region=3133010601", "level")] {
            let r = try f.get(path, as: "xihu")
            #expect(r.status == 400, "\(path)")
            let message = ((try? r.json())?["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains(word), "\(path): \(message)")
        }
        #expect(try f.get("/v1/enrollment", as: nil).status == 401)
        #expect(try f.get("/v1/enrollment", as: "revoked").status == 401)
    }

    @Test func rateLimitAnswers429WithRetryAfter() throws {
        let f = try F.get()
        let (limited, port) = try F.startAPI(f.pipeline, extra: ["HUB_API_RATE_LIMIT": "3"])
        defer { limited.terminate() }
        let auth = ["Authorization": "Bearer \(f.token("burst"))"]
        for _ in 0..<3 { #expect(try HTTP.request(port: port, path: "/v1/me", headers: auth).status == 200) }
        let r = try HTTP.request(port: port, path: "/v1/me", headers: auth)
        #expect(r.status == 429)
        #expect(Int(r.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(((try r.json())["error"] as? [String: Any])?["code"] as? String == "rate_limited")
    }

    @Test func servesOverIPv6AndIPv4WithTheDocumentAndMetrics() throws {
        let f = try F.get()
        let v6 = try f.get("/v1/teachers?level=county&region=330106", as: "ops", host: "::1")
        let v4 = try f.get("/v1/teachers?level=county&region=330106", as: "xihu", host: "127.0.0.1")
        #expect(v6.status == 200 && v4.status == 200)
        let row = (try v6.json()["rows"] as? [[String: Any]])?.first
        #expect(row?["teachers"] as? Int == 9)
        #expect(row?["region_name"] as? String == "西湖区")
        let doc = try HTTP.request(host: "::1", port: f.port, path: "/openapi.yaml")
        #expect(doc.status == 200 && doc.text.contains("operationId: getEnrollment"))
        let metrics = try HTTP.request(port: f.port, path: "/metrics").text
        #expect(metrics.contains("hub_api_requests_total"))
        #expect(metrics.contains("hub_api_request_duration_seconds"))
        #expect(try HTTP.request(port: f.port, path: "/readyz").status == 200)
    }

    @Test func catalogRegionsQualityAndFreshnessAnswer() throws {
        let f = try F.get()
        let catalog = try f.get("/v1/catalog", as: "xihu").json()["rows"] as? [[String: Any]] ?? []
        #expect(catalog.contains { $0["dataset"] as? String == "hub.enrollment_agg" })
        let detail = try f.get("/v1/catalog/hub.enrollment_agg", as: "xihu")
        #expect(detail.status == 200)
        #expect(((try detail.json())["fields"] as? [[String: Any]] ?? []).contains { $0["field"] as? String == "students" })
        #expect(try f.get("/v1/catalog/nope", as: "xihu").status == 404)
        let regions = try f.get("/v1/regions", as: "hz").json()["rows"] as? [[String: Any]] ?? []
        #expect(Set(regions.map { $0["code"] as? String ?? "" }) == F.visible("city", "330100"))
        let counties = try f.get("/v1/regions?parent=330100", as: "hz").json()["rows"] as? [[String: Any]] ?? []
        #expect(Set(counties.map { $0["code"] as? String ?? "" }) == ["330106", "330105"])
        let freshness = try f.get("/v1/freshness", as: "xihu").json()
        let stages = freshness["stages"] as? [[String: Any]] ?? []
        #expect(stages.contains { $0["stage"] as? String == "sink" && $0["last_commit"] != nil })
        let quality = try f.get("/v1/quality/scores?level=county&region=330106", as: "xihu")
        #expect(quality.status == 200)
        let otherCounty = try f.all("/v1/quality/scores?level=county&region=330105", as: "xihu")
        #expect(otherCounty.isEmpty)
        #expect(try f.get("/v1/quality/report?region=330106", as: "xihu").status == 200)
    }
}
