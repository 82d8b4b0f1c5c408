import DataServices
import Foundation
import HubCore
import HubStore
import Postgres

/// Regions a client may see: those with published rows visible under its role (row-level
/// security decides), with names and parents from the registry.
struct RegionList: Sendable {
    let service: DataService

    func visible(client: APIClient, level: RegionLevel?, parent: String?) async throws -> [NameDirectory.Region] {
        let schema = service.schema.name
        let codes = try await service.asClient(client) { db -> [(String, String)] in
            let r = try db.query("""
                SELECT level, region_code FROM \(schema).enrollment_agg
                UNION SELECT level, region_code FROM \(schema).teacher_agg
                UNION SELECT level, region_code FROM \(schema).attendance_agg
                ORDER BY 1, 2
                """)
            return try r.rows.map { (try $0.decode("level"), try $0.decode("region_code")) }
        }
        let names = await service.names()
        let order: [String: Int] = ["province": 0, "city": 1, "county": 2, "school": 3]
        return codes
            .filter { level == nil || $0.0 == level?.rawValue }
            .filter { parent == nil || names.parent(of: $0.1) == parent }
            .sorted { (order[$0.0] ?? 9, $0.1) < (order[$1.0] ?? 9, $1.1) }
            .map { code in
                let known = names.regions[code.1]
                return NameDirectory.Region(code: code.1, level: code.0, parent: names.parent(of: code.1),
                                            nameZh: known?.nameZh ?? names.schoolName[code.1], nameEn: known?.nameEn)
            }
    }
}

/// The data catalog and lineage, as the client's role may read it.
struct CatalogReader: Sendable {
    let service: DataService

    func datasets(client: APIClient, only: String?) async throws -> [Components.Schemas.Dataset] {
        let schema = service.schema.name
        return try await service.asClient(client) { db in
            let r = try db.query("""
                SELECT dataset, kind, zone, classification, owner, description, stream, array_to_json(upstream)::text AS upstream, lineage
                FROM \(schema).catalog_datasets WHERE $1::text IS NULL OR dataset = $1 ORDER BY dataset
                """, bind: only)
            return try r.rows.map { row in
                Components.Schemas.Dataset(dataset: try row.decode("dataset"), kind: try row.decode("kind"), zone: try row.decode("zone"),
                                           classification: try row.decode("classification"), owner: try row.decode("owner"),
                                           description: try row.decode("description"), stream: try row.decodeIfPresent("stream"),
                                           upstream: Self.strings(try row.decode("upstream")), lineage: try row.decode("lineage"))
            }
        }
    }

    func fields(client: APIClient, dataset: String) async throws -> [Components.Schemas.Field] {
        let schema = service.schema.name
        return try await service.asClient(client) { db in
            let r = try db.query("""
                SELECT field, kind, meaning, classification, array_to_json(code_tables)::text AS code_tables,
                       array_to_json(sources)::text AS sources
                FROM \(schema).catalog_fields WHERE dataset = $1 ORDER BY position
                """, bind: dataset)
            return try r.rows.map { row in
                Components.Schemas.Field(field: try row.decode("field"), kind: try row.decode("kind"), meaning: try row.decode("meaning"),
                                         classification: try row.decode("classification"), codeTables: Self.strings(try row.decode("code_tables")),
                                         sources: Self.strings(try row.decode("sources")))
            }
        }
    }

    static func strings(_ json: String) -> [String] {
        guard let data = json.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([String].self, from: data)) ?? []
    }
}

/// One quality score row of `quality_scores_published`.
struct QualityScore: Sendable {
    var level: String
    var region: String
    var day: String
    var dimension: String
    var score: Double
    var checked: Int64
    var failed: Int64
    var monitors: Int
}

/// Quality scores and the report of a region, from the published quality views.
struct QualityReader: Sendable {
    let service: DataService

    func scores(client: APIClient, filters f: RequestFilters) async throws -> ([QualityScore], String?) {
        let schema = service.schema.name
        let limit = f.limit
        let cursor = f.cursor
        if let c = cursor, c.count == 4, (try? RequestFilters.day(c[2], "cursor")) == nil {
            throw FilterError("cursor", "cursor is not one this endpoint gave out; pass meta.next_cursor of the previous page unchanged")
        }
        let rows = try await service.asClient(client) { db -> [QualityScore] in
            let r = try db.query("""
                SELECT level, region_code, day::text AS day, dimension, score::float8 AS score, checked, failed, monitors
                FROM \(schema).quality_scores_published
                WHERE ($1::text IS NULL OR level = $1) AND ($2::text IS NULL OR region_code = $2)
                  AND ($3::text IS NULL OR dimension = $3) AND ($4::date IS NULL OR day >= $4) AND ($5::date IS NULL OR day <= $5)
                  AND ($6::text IS NULL OR (level, region_code, day, dimension) > ($6, $7, $8::date, $9))
                ORDER BY level, region_code, day, dimension LIMIT \(limit + 1)
                """, [f.level?.rawValue, f.region, f.dimension, f.from, f.to, cursor?[0], cursor?[1], cursor?[2], cursor?[3]])
            return try r.rows.map { row in
                QualityScore(level: try row.decode("level"), region: try row.decode("region_code"), day: try row.decode("day"),
                             dimension: try row.decode("dimension"), score: try row.decode("score"), checked: try row.decode("checked"),
                             failed: try row.decode("failed"), monitors: try row.decode("monitors"))
            }
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { KeysetCursor.encode([$0.level, $0.region, $0.day, $0.dimension]) } : nil
        return (page, next)
    }

    /// The report of one region (the client's own unless given) over [from, to] (default: the
    /// last 30 days with results): score per dimension and the monitors that failed.
    func report(client: APIClient, filters f: RequestFilters) async throws -> Components.Schemas.QualityReport {
        let region = f.region ?? client.region ?? "330000"
        guard let regionLevel = RegionLevel.of(region) else { throw FilterError("region", "unknown region") }
        let level = f.level ?? regionLevel
        let schema = service.schema.name
        let (from, to) = (f.from, f.to)
        let result = try await service.asClient(client) { db -> (String, String, [Components.Schemas.DimensionScore], [Components.Schemas.FailingMonitor]) in
            let period = try db.query("""
                SELECT coalesce($3::date, max(day) - 29)::text AS start_day, coalesce($4::date, max(day))::text AS end_day
                FROM \(schema).quality_scores_published WHERE level = $1 AND region_code = $2
                """, bind: level.rawValue, region, from, to)
            // No results yet and no bound given: an empty period at the epoch.
            let start = try period.firstRow().decodeIfPresent("start_day", as: String.self) ?? from ?? "1970-01-01"
            let end = try period.firstRow().decodeIfPresent("end_day", as: String.self) ?? to ?? "1970-01-01"
            let d = try db.query("""
                SELECT dimension, round(avg(score), 2)::float8 AS score, sum(checked) AS checked, sum(failed) AS failed
                FROM \(schema).quality_scores_published
                WHERE level = $1 AND region_code = $2 AND day BETWEEN $3::date AND $4::date
                GROUP BY dimension ORDER BY dimension
                """, [level.rawValue, region, start, end])
            let dims = try d.rows.map { row in
                Components.Schemas.DimensionScore(dimension: try row.decode("dimension"), score: try row.decode("score"),
                                                  checked: try row.decode("checked"), failed: try row.decode("failed"))
            }
            let m = try db.query("""
                SELECT monitor, dimension, sum(checked) AS checked, sum(failed) AS failed FROM \(schema).quality_rollup_published
                WHERE level = $1 AND region_code = $2 AND day BETWEEN $3::date AND $4::date
                GROUP BY monitor, dimension HAVING sum(failed) > 0 ORDER BY sum(failed) DESC, monitor
                """, [level.rawValue, region, start, end])
            let monitors = try m.rows.map { row in
                Components.Schemas.FailingMonitor(monitor: try row.decode("monitor"), dimension: try row.decode("dimension"),
                                                  checked: try row.decode("checked"), failed: try row.decode("failed"))
            }
            return (start, end, dims, monitors)
        }
        let names = await service.names()
        let overall = result.2.isEmpty ? nil : result.2.map(\.score).reduce(0, +) / Double(result.2.count)
        return Components.Schemas.QualityReport(level: level.rawValue, region: region, regionName: names.name(of: region), from: result.0,
                                                to: result.1, overall: overall.map { ($0 * 100).rounded() / 100 },
                                                dimensions: result.2, failingMonitors: result.3)
    }
}

/// How current the published data is: each stage's last commit and watermark, from the
/// tables the stages write (hub-api's own login; no personal data involved).
struct FreshnessReader: Sendable {
    let service: DataService

    func read() async throws -> Components.Schemas.Freshness {
        let s = service.schema.name
        let p = service.schema.privateName
        return try await service.asService { db in
            let now = try db.query("SELECT now()::text AS now, extract(epoch from now())::float8 AS epoch").firstRow()
            let nowEpoch: Double = try now.decode("epoch")
            var stages: [Components.Schemas.StageFreshness] = []
            // Each statement returns one row of aggregates: NULL where the stage has written nothing yet.
            func add(_ stage: String, _ what: String, _ sql: String) throws {
                let row = try db.query(sql).firstRow()
                let epoch: Double? = try row.decodeIfPresent(at: 1)
                stages.append(.init(stage: stage, what: what, lastCommit: try row.decodeIfPresent(at: 0), watermark: try row.decodeIfPresent(at: 2),
                                    lagSeconds: epoch.map { ((nowEpoch - $0) * 10).rounded() / 10 },
                                    positions: try row.decodeIfPresent(at: 3)))
            }
            try add("sink", "standard zone, aggregates and quarantine committed with the consumed offsets (sink_offsets)",
                    "SELECT max(updated_at)::text, extract(epoch from max(updated_at))::float8, NULL, sum(next_offset)::bigint FROM \(s).sink_offsets")
            try add("standard_zone", "latest record day standardised (event time) and its first arrival",
                    "SELECT max(first_arrival)::text, extract(epoch from max(first_arrival))::float8, max(day)::text, sum(records)::bigint FROM \(s).quality_activity")
            for table in ["enrollment_agg", "teacher_agg", "attendance_agg"] {
                try add("aggregates", table,
                        "SELECT max(updated_at)::text, extract(epoch from max(updated_at))::float8, NULL, count(*)::bigint FROM \(s).\(table)")
            }
            try add("quarantine", "latest quarantined unit",
                    "SELECT max(quarantined_at)::text, extract(epoch from max(quarantined_at))::float8, NULL, count(*)::bigint FROM \(s).quarantine")
            try add("archive", "latest raw message kept in the raw zone",
                    "SELECT max(received_at)::text, extract(epoch from max(received_at))::float8, max(message_time)::text, NULL FROM \(p).raw_zone")
            try add("scheduler", "latest DAG run that finished successfully",
                    "SELECT max(ended_at)::text, extract(epoch from max(ended_at))::float8, max(interval_end)::text, count(*)::bigint FROM \(s).dag_runs WHERE state = 'success'")
            return Components.Schemas.Freshness(now: try now.decode("now"), stages: stages)
        }
    }
}

/// Pseudonymous standard-zone records through `standard_zone_published`.
struct RecordReader: Sendable {
    let service: DataService

    func page(client: APIClient, recordType: String, filters f: RequestFilters) async throws -> ([Components.Schemas.StandardRecord], String?) {
        guard RecordType(rawValue: recordType) != nil else {
            throw APIError.notFound("record type must be student, teacher or attendance; got \"\(recordType.prefix(40))\"")
        }
        guard [.county, .school, .operator].contains(client.level) else {
            throw APIError.forbidden("standard-zone records are published to county- and school-level clients; use the aggregates")
        }
        let schema = service.schema.name
        let limit = f.limit
        let rows = try await service.asClient(client) { db -> [Components.Schemas.StandardRecord] in
            let r = try db.query("""
                SELECT record_type, entity_key, school_code, county_code, gender, grade, status, day::text AS day, class_name, expected, present,
                       to_char(to_timestamp(updated_at_us / 1e6) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at
                FROM \(schema).standard_zone_published
                WHERE record_type = $1 AND ($2::text IS NULL OR school_code = $2) AND ($3::text IS NULL OR entity_key > $3)
                ORDER BY entity_key LIMIT \(limit + 1)
                """, [recordType, f.region, f.cursor?.first])
            // The fields of the other record types are NULL (a student has no class, attendance no gender).
            return try r.rows.map { row in
                Components.Schemas.StandardRecord(
                    recordType: try row.decode("record_type"), key: try row.decode("entity_key"), school: try row.decode("school_code"),
                    county: try row.decode("county_code"), gender: try row.decodeIfPresent("gender"), grade: try row.decodeIfPresent("grade"),
                    status: try row.decodeIfPresent("status"), day: try row.decodeIfPresent("day"), className: try row.decodeIfPresent("class_name"),
                    expected: try row.decodeIfPresent("expected"), present: try row.decodeIfPresent("present"),
                    birthDate: nil, updatedAt: try row.decode("updated_at"))
            }
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { KeysetCursor.encode([$0.key]) } : nil
        return (page, next)
    }
}
