import DataServices
import Foundation
import HubCore
import HubStore
import Postgres
import QualityReport
import SchedulerCore
import Topology

/// The data of each console page, read like the API reads it: under the client's level
/// role (row-level security), with small cells suppressed for non-operators.
struct ConsolePages: Sendable {
    let service: DataService

    typealias Values = [String: any Sendable]

    // MARK: overview

    /// Enrollment, teachers and attendance of one region and of the regions beneath it, with
    /// links that drill down city → county → school.
    func overview(_ client: APIClient, region requested: String?, lang: ConsoleLanguage) async throws -> ConsolePage {
        let region = try chosenRegion(client, requested)
        guard let level = RegionLevel.of(region) else { throw FilterError("region", "unknown region") }
        let names = await service.names()
        let schema = service.schema.name
        let childLevel: RegionLevel? = switch level {
        case .province: .city
        case .city: .county
        case .county: .school
        case .school: nil
        }
        let schools = level == .county ? names.schools(in: region) : []
        let data = try await service.asClient(client) { db in
            try Self.overviewData(db, schema: schema, level: level, region: region, childLevel: childLevel, schools: schools)
        }
        guard data.students[region] != nil || data.teachers[region] != nil || !data.children.isEmpty else {
            return ConsolePage(values: ["region": region, "region_name": names.name(of: region, english: lang == .en) ?? "",
                                        "breadcrumbs": breadcrumbs(region, names, lang), "empty": true], rows: 0)
        }
        let show = Published(service: service, client: client)
        let all = CellKey.all
        let regions = [region] + data.children
        let studentShown = try await show.values(.students, regions.map { (CellKey(region: $0, coordinates: [all, all]), data.students[$0]) })
        let teacherShown = try await show.values(.teachers, regions.map { (CellKey(region: $0, coordinates: []), data.teachers[$0]) })
        let expectedShown = try await show.values(.attendanceExpected, regions.map { r in
            (CellKey(region: r, coordinates: [data.attendance[r]?.dayNumber ?? 0]), data.attendance[r]?.expected) })
        let presentShown = try await show.values(.attendancePresent, regions.map { r in
            (CellKey(region: r, coordinates: [data.attendance[r]?.dayNumber ?? 0]), data.attendance[r]?.present) })
        func row(_ i: Int, _ code: String) -> Values {
            var v: Values = ["code": code, "name": names.name(of: code, english: lang == .en) ?? "",
                             "students": studentShown[i].text, "students_suppressed": studentShown[i].suppressed,
                             "teachers": teacherShown[i].text, "teachers_suppressed": teacherShown[i].suppressed,
                             "rate": rate(expectedShown[i].published, presentShown[i].published),
                             "rate_suppressed": expectedShown[i].suppressed || presentShown[i].suppressed,
                             "day": data.attendance[code]?.day ?? ""]
            if code.utf8.count == 6 || childLevel == .school { v["link"] = "/console/?region=\(code)" + (lang == .en ? "&lang=en" : "") }
            return v
        }
        let childRows = data.children.enumerated().map { row($0.offset + 1, $0.element) }

        let (gridRows, gridTotal) = try await gradeGrid(data, region: region, show: show, lang: lang)
        let points = try await attendanceTrend(data, region: region, show: show)
        let title = lang.text["attendance_trend"] ?? ""
        let childTitleKey = "children_" + (childLevel?.rawValue ?? "school")
        return ConsolePage(values: [
            "region": region, "region_name": names.name(of: region, english: lang == .en) ?? "",
            "level_name": lang.text[level.rawValue] ?? level.rawValue,
            "breadcrumbs": breadcrumbs(region, names, lang),
            "own": row(0, region),
            "children": childRows, "has_children": !childRows.isEmpty, "children_title": lang.text[childTitleKey] ?? "",
            "grid": gridRows, "grid_total": gridTotal, "has_grid": !gridRows.isEmpty,
            "trend_svg": points.isEmpty ? "" : SVGCharts.trendLine(points, title: title),
        ], rows: 1 + childRows.count + gridRows.count)
    }

    /// What the overview shows before suppression, read under the client's role: totals of the
    /// region and the regions beneath it, its grade × gender cells and 30 days of attendance.
    static func overviewData(_ db: PGConnection, schema: String, level: RegionLevel, region: String, childLevel: RegionLevel?,
                             schools: [String]) throws -> OverviewData {
        var d = OverviewData()
        func totals(_ where_: String, _ binds: [any PGBindable]) throws {
            let e = try db.query("SELECT level, region_code, sum(students)::bigint AS students FROM \(schema).enrollment_agg WHERE \(where_) GROUP BY 1, 2", binds: binds)
            for row in e.rows { d.students[try row.decode("region_code")] = try row.decode("students", as: Int64.self) }
            let t = try db.query("SELECT level, region_code, teachers FROM \(schema).teacher_agg WHERE \(where_)", binds: binds)
            for row in t.rows { d.teachers[try row.decode("region_code")] = try row.decode("teachers", as: Int64.self) }
            let a = try db.query("""
                SELECT region_code, day::text AS day, day - date '2000-01-01' AS day_number, expected, present FROM \(schema).attendance_agg a
                WHERE \(where_) AND day = (SELECT max(day) FROM \(schema).attendance_agg WHERE \(where_))
                """, binds: binds)
            for row in a.rows {
                d.attendance[try row.decode("region_code")] = (try row.decode("day"), try row.decode("day_number"),
                                                               try row.decode("expected"), try row.decode("present"))
            }
        }
        try totals("level = $1 AND region_code = $2", [level.rawValue, region])
        if let childLevel {
            let childFilter: String = switch level {
            case .province: "true"
            case .city: "left(region_code, 4) = left($2, 4)"
            default: "region_code = ANY($3::text[])"
            }
            let binds: [any PGBindable] = [childLevel.rawValue, region, PGArray.text(schools)]
            try totals("level = $1 AND \(childFilter) AND $2::text IS NOT NULL AND $3::text[] IS NOT NULL", binds)
            let c = try db.query("""
                SELECT DISTINCT region_code FROM \(schema).enrollment_agg WHERE level = $1 AND \(childFilter) AND $2::text IS NOT NULL AND $3::text[] IS NOT NULL
                UNION SELECT region_code FROM \(schema).teacher_agg WHERE level = $1 AND \(childFilter) AND $2::text IS NOT NULL AND $3::text[] IS NOT NULL
                ORDER BY 1
                """, binds: binds)
            d.children = try c.rows.map { try $0.decode("region_code") }
        }
        let g = try db.query("SELECT grade_code, gender_code, students FROM \(schema).enrollment_agg WHERE level = $1 AND region_code = $2 AND students <> 0",
                             bind: level.rawValue, region)
        for row in g.rows {
            d.cells[[try row.decode("grade_code", as: Int64.self), try row.decode("gender_code", as: Int64.self)]] = try row.decode("students", as: Int64.self)
        }
        let trend = try db.query("""
            SELECT day::text AS day_text, day - date '2000-01-01' AS day_number, expected, present FROM \(schema).attendance_agg
            WHERE level = $1 AND region_code = $2 ORDER BY day DESC LIMIT 30
            """, bind: level.rawValue, region)
        d.trend = try trend.rows.reversed().map {
            (try $0.decode("day_text"), try $0.decode("day_number"), try $0.decode("expected"), try $0.decode("present"))
        }
        return d
    }

    /// Grade × gender with the margins, all from the one suppression pattern.
    private func gradeGrid(_ data: OverviewData, region: String, show: Published, lang: ConsoleLanguage) async throws
        -> (rows: [Values], total: Values) {
        let all = CellKey.all
        let grades = RequestFilters.grades.sorted().map(Int64.init).filter { g in data.cells.keys.contains { $0[0] == g } }
        let genders: [Int64] = [1, 2, 9]
        var gridKeys: [(CellKey, Int64?)] = []
        for g in grades {
            for s in genders { gridKeys.append((CellKey(region: region, coordinates: [g, s]), data.cells[[g, s]] ?? 0)) }
            gridKeys.append((CellKey(region: region, coordinates: [g, all]), genders.map { data.cells[[g, $0]] ?? 0 }.reduce(0, +)))
        }
        for s in genders {
            gridKeys.append((CellKey(region: region, coordinates: [all, s]), grades.map { data.cells[[$0, s]] ?? 0 }.reduce(0, +)))
        }
        gridKeys.append((CellKey(region: region, coordinates: [all, all]), data.cells.values.reduce(0, +)))
        let gridShown = try await show.values(.students, gridKeys)
        var gridIndex: [CellKey: Shown] = [:]
        for (i, k) in gridKeys.enumerated() { gridIndex[k.0] = gridShown[i] }
        func cell(_ g: Int64, _ s: Int64) -> Values {
            let v = gridIndex[CellKey(region: region, coordinates: [g, s])] ?? Shown(value: 0, suppressed: false)
            return ["text": v.text, "suppressed": v.suppressed]
        }
        let rows: [Values] = grades.map { g in
            ["grade": ConsoleText.grade(Int(g), lang), "code": String(g), "cells": genders.map { cell(g, $0) } + [cell(g, all)]]
        }
        return (rows, ["cells": genders.map { cell(all, $0) } + [cell(all, all)]])
    }

    /// Attendance rate per day; a day whose figures are suppressed is a gap.
    private func attendanceTrend(_ data: OverviewData, region: String, show: Published) async throws -> [SVGCharts.Point] {
        let trendExpected = try await show.values(.attendanceExpected, data.trend.map { (CellKey(region: region, coordinates: [$0.dayNumber]), $0.expected) })
        let trendPresent = try await show.values(.attendancePresent, data.trend.map { (CellKey(region: region, coordinates: [$0.dayNumber]), $0.present) })
        return data.trend.indices.map { i in
            SVGCharts.Point(label: data.trend[i].day, value: rateValue(trendExpected[i].published, trendPresent[i].published))
        }
    }

    // MARK: quality

    func quality(_ client: APIClient, region requested: String?, lang: ConsoleLanguage) async throws -> ConsolePage {
        let region = try chosenRegion(client, requested)
        guard let level = RegionLevel.of(region) else { throw FilterError("region", "unknown region") }
        let names = await service.names()
        let schema = service.schema.name
        let schools = level == .school ? [region] : names.schools(in: region)
        let schoolList = PGArrayLiteral.text(schools)
        let q = try await service.asClient(client) { db -> QualityData in
            var d = QualityData()
            // NULL: no scores for the region yet.
            let latest = try db.query("SELECT max(day)::text AS day FROM \(schema).quality_scores_published WHERE level = $1 AND region_code = $2",
                                      bind: level.rawValue, region).firstRow().decodeIfPresent("day", as: String.self)
            d.latest = latest
            let dims = try db.query("""
                SELECT dimension, score::float8 AS score, checked, failed FROM \(schema).quality_scores_published
                WHERE level = $1 AND region_code = $2 AND day = $3::date ORDER BY dimension
                """, [level.rawValue, region, latest])
            d.dimensions = try dims.rows.map {
                (try $0.decode("dimension"), try $0.decode("score"), try $0.decode("checked"), try $0.decode("failed"))
            }
            let trend = try db.query("""
                SELECT day::text AS day_text, avg(score)::float8 AS score FROM \(schema).quality_scores_published
                WHERE level = $1 AND region_code = $2 GROUP BY day ORDER BY day DESC LIMIT 30
                """, [level.rawValue, region])
            d.trend = try trend.rows.reversed().map { (try $0.decode("day_text"), try $0.decodeIfPresent("score")) }
            let worst = try db.query("""
                SELECT region_code, avg(score)::float8 AS score FROM \(schema).quality_scores_published
                WHERE level = 'school' AND day = $1::date AND (region_code = ANY($2::text[]) OR $3)
                GROUP BY region_code ORDER BY 2, 1 LIMIT 10
                """, [latest, schoolList, level == .province ? "true" : "false"])
            d.worst = try worst.rows.map { (try $0.decode("region_code"), try $0.decode("score")) }
            let monitors = try db.query("""
                SELECT monitor, dimension, sum(checked)::bigint AS checked, sum(failed)::bigint AS failed FROM \(schema).quality_rollup_published
                WHERE level = $1 AND region_code = $2 AND day > coalesce($3::date, current_date) - 30
                GROUP BY monitor, dimension HAVING sum(failed) > 0 ORDER BY 4 DESC, 1 LIMIT 20
                """, [level.rawValue, region, latest])
            d.failing = try monitors.rows.map {
                (try $0.decode("monitor"), try $0.decode("dimension"), try $0.decode("checked"), try $0.decode("failed"))
            }
            let alerts = try db.query("""
                SELECT monitor, school_code, day::text AS day, severity, checked::text AS checked, failed::text AS failed
                FROM \(schema).quality_alerts_published
                WHERE school_code = ANY($1::text[]) OR $2 ORDER BY raised_at DESC, monitor LIMIT 20
                """, [schoolList, level == .province ? "true" : "false"])
            d.alerts = try alerts.rows.map { row in try ["monitor", "school_code", "day", "severity", "checked", "failed"].map { try row.decode($0) } }
            return d
        }
        let fmt = { (v: Double) in String(format: "%.1f", v) }
        let bars = q.dimensions.map { SVGCharts.Bar(label: $0.0, value: $0.1, valueLabel: fmt($0.1), band: ScoreBand(score: $0.1)) }
        let points = q.trend.map { SVGCharts.Point(label: $0.0, value: $0.1) }
        return ConsolePage(values: [
            "region": region, "region_name": names.name(of: region, english: lang == .en) ?? "",
            "breadcrumbs": breadcrumbs(region, names, lang), "latest": q.latest ?? "",
            "dimensions": q.dimensions.map { ["dimension": $0.0, "score": fmt($0.1), "checked": String($0.2), "failed": String($0.3),
                                              "band": ScoreBand(score: $0.1).cssClass, "bar": SVGCharts.inlineBar(score: $0.1)] as Values },
            "has_dimensions": !q.dimensions.isEmpty,
            "bars_svg": bars.isEmpty ? "" : SVGCharts.horizontalBars(bars, maximum: 100, title: lang.text["scores"] ?? ""),
            "trend_svg": points.isEmpty ? "" : SVGCharts.trendLine(points, title: lang.text["quality_trend"] ?? ""),
            "worst": q.worst.map { ["code": $0.0, "name": names.name(of: $0.0, english: lang == .en) ?? "", "score": fmt($0.1),
                                    "link": "/console/quality?region=\($0.0)"] as Values },
            "failing": q.failing.map { ["monitor": $0.0, "dimension": $0.1, "checked": String($0.2), "failed": String($0.3)] as Values },
            "alerts": q.alerts.map { ["monitor": $0[0], "school": $0[1], "school_name": names.name(of: $0[1]) ?? "", "day": $0[2],
                                      "severity": $0[3], "checked": $0[4], "failed": $0[5]] as Values },
            "report_link": "/v1/quality/report?level=\(level.rawValue)&region=\(region)",
        ], rows: q.dimensions.count + q.worst.count + q.failing.count + q.alerts.count)
    }

    // MARK: DAG runs

    func dags(_ client: APIClient, message: String?, lang: ConsoleLanguage) async throws -> ConsolePage {
        let schema = service.schema.name
        let runs = try await service.asService { db -> [[String]] in
            let r = try db.query("""
                SELECT id::text, dag, kind, state, interval_start::text, interval_end::text, coalesce(started_at::text, ''),
                       coalesce(ended_at::text, '') FROM \(schema).dag_runs ORDER BY id DESC LIMIT 50
                """)
            // Every column is text, never NULL (coalesce): read by position.
            return try r.rows.map { row in try (0..<8).map { try row.decode(at: $0) } }
        }
        return ConsolePage(values: [
            "dags": service.topology.dags.map { ["name": $0.name, "schedule": $0.schedule.map { "\($0)" } ?? "—"] as Values },
            "runs": runs.map { ["id": $0[0], "dag": $0[1], "kind": $0[2], "state": $0[3], "interval": "\($0[4]) – \($0[5])",
                                "started": $0[6], "ended": $0[7], "link": "/console/dags/run?id=\($0[0])",
                                "failed": $0[3] == "failed"] as Values },
            "message": message ?? "", "has_message": !(message ?? "").isEmpty,
        ], rows: runs.count)
    }

    func dagRun(_ client: APIClient, id: String?, lang: ConsoleLanguage) async throws -> ConsolePage {
        guard let id, let runID = Int64(id) else { throw FilterError("id", "id must be a run number") }
        let schema = service.schema.name
        let (run, instances) = try await service.asService { db -> (RunRecord?, [TaskInstanceRecord]) in
            let s = SchedulerStore(db: db, schema: schema)
            guard let run = try s.run(id: runID) else { return (nil, []) }
            return (run, try s.instances(run: runID))
        }
        guard let run else { throw APIError.notFound("no run #\(runID)") }
        let time = { (s: Int64?) in s.map { CronTime(secondsSinceEpoch: $0).formatted(in: .shanghai) } ?? "—" }
        return ConsolePage(values: [
            "run": ["id": String(run.id), "dag": run.dag, "kind": run.kind.rawValue, "state": run.state.rawValue,
                    "interval": "\(run.interval)", "failed": run.state == .failed] as Values,
            "tasks": instances.map { i in
                ["task": i.task, "state": i.state.rawValue, "attempt": String(i.attempt), "started": time(i.startedAt),
                 "ended": time(i.endedAt), "output": client.isOperator ? (i.output ?? "") : "",
                 "has_output": client.isOperator && !(i.output ?? "").isEmpty] as Values
            },
        ], rows: instances.count)
    }

    /// Operators only: queue a manual run of a DAG for its latest complete interval.
    func trigger(_ client: APIClient, dag name: String?) async throws -> String {
        guard client.isOperator else { throw APIError.forbidden("only operators may trigger DAG runs") }
        guard let name, let dag = service.topology.dag(name) else { throw APIError.notFound("no DAG \"\((name ?? "").prefix(60))\"") }
        let now = SystemClock().now()
        let interval = dag.latestCompleteInterval(at: now) ?? DataInterval(start: now, end: now)
        let schema = service.schema.name
        let id = try await service.asService { db in
            try SchedulerStore(db: db, schema: schema).createRun(dag: dag.name, interval: interval, kind: .manual, now: now)
        }
        guard let id else { throw APIError(status: 409, code: "exists", message: "a manual run of \(name) for \(interval) already exists") }
        return "queued run #\(id) of \(name)"
    }

    /// Operators only: queue a manual run for the interval of an earlier run.
    func rerun(_ client: APIClient, run text: String?) async throws -> String {
        guard client.isOperator else { throw APIError.forbidden("only operators may re-run DAG runs") }
        guard let text, let runID = Int64(text) else { throw FilterError("run", "run must be a run number") }
        let schema = service.schema.name
        let now = SystemClock().now()
        let id = try await service.asService { db -> Int64? in
            let store = SchedulerStore(db: db, schema: schema)
            guard let run = try store.run(id: runID) else { throw APIError.notFound("no run #\(runID)") }
            return try store.createRun(dag: run.dag, interval: run.interval, kind: .manual, now: now)
        }
        guard let id else { throw APIError(status: 409, code: "exists", message: "a manual run for that interval exists already") }
        return "queued run #\(id) (re-run of #\(runID))"
    }

    // MARK: quarantine (operators)

    func quarantine(_ client: APIClient, reason: String?, lang: ConsoleLanguage) async throws -> ConsolePage {
        guard client.isOperator else { throw APIError.forbidden(lang.text["forbidden"] ?? "") }
        let schema = service.schema.name
        let (counts, rows) = try await service.asClient(client) { db -> ([[String]], [[String]]) in
            let c = try db.query("SELECT reason, records::text AS records FROM \(schema).quarantine_counts ORDER BY records DESC, reason")
            let r = try db.query("""
                SELECT src_topic, src_partition::text, src_offset::text, src_row::text, reason, coalesce(field, ''), coalesce(detail, ''),
                       coalesce(record_type, ''), coalesce(school_code, ''), quarantined_at::text
                FROM \(schema).quarantine WHERE $1::text IS NULL OR reason = $1
                ORDER BY quarantined_at DESC, src_topic, src_partition, src_offset, src_row LIMIT 100
                """, bind: reason)
            // Every column is text, never NULL (coalesce): read by position.
            return (try c.rows.map { [try $0.decode("reason"), try $0.decode("records")] },
                    try r.rows.map { row in try (0..<10).map { try row.decode(at: $0) } })
        }
        return ConsolePage(values: [
            "counts": counts.map { ["reason": $0[0], "records": $0[1], "link": "/console/quarantine?reason=\($0[0])"] as Values },
            "rows": rows.map { r in
                ["topic": r[0], "position": "\(r[0]) [\(r[1])] @\(r[2]) #\(r[3])", "reason": r[4], "field": r[5], "detail": r[6],
                 "record_type": r[7], "school": r[8], "at": r[9],
                 "raw_link": "/console/quarantine/raw?topic=\(r[0].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&partition=\(r[1])&offset=\(r[2])&row=\(r[3])"] as Values
            },
        ], rows: rows.count)
    }

    /// The raw bytes of one quarantined unit; operators only, and the page view is audited
    /// with its position.
    func quarantineRaw(_ client: APIClient, query: [String: String], lang: ConsoleLanguage) async throws -> ConsolePage {
        guard client.isOperator else { throw APIError.forbidden(lang.text["forbidden"] ?? "") }
        guard let topic = query["topic"], let partition = query["partition"].flatMap({ Int32($0) }),
              let offset = query["offset"].flatMap({ Int64($0) }), let row = query["row"].flatMap({ Int32($0) }) else {
            throw FilterError("offset", "topic, partition, offset and row identify a quarantined unit")
        }
        let p = service.schema.privateName
        let found = try await service.asClient(client) { db -> (bytes: [UInt8], sealed: Bool)? in
            let r = try db.query("""
                SELECT encode(coalesce(raw, record), 'hex'), coalesce(sealed, false) FROM \(p).quarantine_raw
                WHERE src_topic = $1 AND src_partition = $2 AND src_offset = $3 AND src_row = $4
                """, [topic, String(partition), String(offset), String(row)])
            guard r.rowCount == 1, let hex = r.value(0, 0) else { return nil }
            return (Self.bytes(hex: hex), r.value(0, 1) == "t")
        }
        guard let found else { throw APIError.notFound("no raw bytes kept for that position") }
        // hub-api holds no at-rest key: sealed bytes are opened only by `hubctl quarantine raw`.
        guard !found.sealed else {
            throw APIError.notFound("the raw bytes of that position are sealed at rest; open them with hubctl quarantine raw and the at-rest key files")
        }
        let raw = found.bytes
        let shown = raw.prefix(64 * 1024)
        let hexDump = stride(from: 0, to: shown.count, by: 16).map { start in
            let chunk = shown[shown.startIndex + start ..< min(shown.endIndex, shown.startIndex + start + 16)]
            return String(format: "%08x  ", start) + chunk.map { String(format: "%02x", $0) }.joined(separator: " ")
        }.joined(separator: "\n")
        return ConsolePage(values: [
            "position": "\(topic) [\(partition)] @\(offset) #\(row)", "size": String(raw.count),
            "text": String(decoding: shown, as: UTF8.self), "hex": hexDump,
        ], rows: 1)
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var high: UInt8?
        for c in hex.utf8 {
            let v: UInt8 = c <= 0x39 ? c &- 0x30 : (c | 0x20) &- 0x57
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        return out
    }

    // MARK: freshness

    func freshness(_ client: APIClient, lang: ConsoleLanguage) async throws -> ConsolePage {
        let f = try await FreshnessReader(service: service).read()
        return ConsolePage(values: [
            "now": f.now,
            "stages": f.stages.map { s in
                ["stage": s.stage, "what": s.what, "last_commit": s.lastCommit ?? "—", "watermark": s.watermark ?? "—",
                 "lag": s.lagSeconds.map { String(format: "%.1f", $0) } ?? "—", "positions": s.positions.map(String.init) ?? "—"] as Values
            },
        ], rows: f.stages.count)
    }

    // MARK: pieces

    func chosenRegion(_ client: APIClient, _ requested: String?) throws -> String {
        if let requested, !requested.isEmpty {
            guard RegionLevel.of(requested) != nil else {
                throw FilterError("region", "region must be 330000, a city 33xx00, a county 33xxxx or a 10-digit school code")
            }
            return requested
        }
        return client.region ?? "330000"
    }

    func breadcrumbs(_ region: String, _ names: NameDirectory, _ lang: ConsoleLanguage) -> [Values] {
        var chain: [String] = [region]
        while let p = names.parent(of: chain[0]) { chain.insert(p, at: 0) }
        return chain.map { ["code": $0, "name": names.name(of: $0, english: lang == .en) ?? "",
                            "link": "/console/?region=\($0)" + (lang == .en ? "&lang=en" : "")] as Values }
    }

    func rate(_ expected: Int64?, _ present: Int64?) -> String {
        rateValue(expected, present).map { String(format: "%.1f%%", $0) } ?? "—"
    }

    func rateValue(_ expected: Int64?, _ present: Int64?) -> Double? {
        guard let expected, let present, expected > 0 else { return nil }
        return Double(present) * 100 / Double(expected)
    }
}

struct OverviewData: Sendable {
    var students: [String: Int64] = [:]
    var teachers: [String: Int64] = [:]
    var attendance: [String: (day: String, dayNumber: Int64, expected: Int64, present: Int64)] = [:]
    var children: [String] = []
    var cells: [[Int64]: Int64] = [:]
    var trend: [(day: String, dayNumber: Int64, expected: Int64, present: Int64)] = []
}

struct QualityData: Sendable {
    var latest: String?
    var dimensions: [(String, Double, Int64, Int64)] = []
    var trend: [(String, Double?)] = []
    var worst: [(String, Double)] = []
    var failing: [(String, String, Int64, Int64)] = []
    var alerts: [[String]] = []
}

/// A figure as the page shows it.
struct Shown: Sendable {
    var value: Int64?
    var suppressed: Bool
    /// The figure a client may see: nil when suppressed.
    var published: Int64? { suppressed ? nil : value }
    var text: String { published.map(String.init) ?? (suppressed ? "—" : "0") }
}

/// Suppression for the console's figures: exact for operators, the table's pattern otherwise.
struct Published: Sendable {
    let service: DataService
    let client: APIClient

    func values(_ measure: SuppressedMeasure, _ cells: [(CellKey, Int64?)]) async throws -> [Shown] {
        if client.isOperator { return cells.map { Shown(value: $0.1, suppressed: false) } }
        let decided = try await service.suppression.decide(measure, cells.map { (key: $0.0, value: $0.1 ?? 0) })
        return zip(cells, decided).map { Shown(value: $0.0.1, suppressed: $0.1) }
    }
}
