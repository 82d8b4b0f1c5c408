import CSVOutput
import DataServices
import Foundation
import HubCore
import HubStore
import OpenAPIRuntime

/// The operations of `openapi.yaml`. Each validates its parameters (400 with a message),
/// reads under the client's level role, applies suppression for non-operators and answers
/// JSON or CSV; ``APIGate`` has authenticated the client and audits the request.
struct DataServicesAPI: APIProtocol {
    let service: DataService
    var reader: AggregateReader { AggregateReader(service: service) }

    func suppressionMeta(_ client: APIClient, suppressedCells: Int) -> Components.Schemas.Suppression {
        Components.Schemas.Suppression(applied: !client.isOperator, k: service.k,
                                       rule: client.isOperator ? "none: operators see exact figures" : SuppressedTable.ruleText(k: service.k),
                                       suppressedCells: suppressedCells)
    }

    /// `format=csv` or an Accept header that asks for CSV (and not JSON first).
    static func wantsCSV(format: String?, acceptsCSV: Bool) throws -> Bool {
        switch format {
        case nil: return acceptsCSV
        case "json": return false
        case "csv": return true
        case let other?: throw FilterError("format", "format must be json or csv; got \"\(other.prefix(40))\"")
        }
    }

    /// An Accept header that names CSV and not JSON (no header accepts both: JSON).
    static func onlyCSV(_ accepted: [String]) -> Bool {
        accepted.contains("text/csv") && !accepted.contains("application/json")
    }

    /// `bom=true` or `1`: CSV starts with a byte-order mark (for Excel).
    static func bom(_ text: String?) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1": return true
        case let other?: throw FilterError("bom", "bom must be true or false; got \"\(other.prefix(40))\"")
        }
    }

    /// A CSV body with an export id that the audit traces to the client.
    func csvBody(header: [String], rows: [[String?]], format: ResponseFormat, scope: RequestScope) -> HTTPBody {
        var w = CSVWriter(byteOrderMark: format.bom)
        w.writeRecord(header)
        for r in rows { w.writeRecord(r) }
        _ = scope.newExportId()
        return HTTPBody(w.bytes)
    }

    func regionName(_ names: NameDirectory, _ code: String) -> String? { names.name(of: code) }

    /// A page's `meta`: its row count, the cursor of the next page and the suppression applied.
    func meta(rows: Int, nextCursor: String?, suppressedCells: Int, scope: RequestScope) -> Components.Schemas.Meta {
        .init(rows: rows, nextCursor: nextCursor, suppression: suppressionMeta(scope.client, suppressedCells: suppressedCells))
    }

    /// One page of a published aggregate table as the request's client may see it, with the
    /// region names; the audit counts its rows.
    func publishedPage(_ table: AggregateTable, _ f: RequestFilters, scope: RequestScope) async throws -> (PublishedPage, NameDirectory) {
        let page = try await reader.page(table, f, client: scope.client)
        let names = await service.names()
        scope.returned(rows: page.rows.count)
        return (page, names)
    }

    // MARK: operations

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let scope = try RequestScope.required()
        let c = scope.client
        let names = await service.names()
        scope.returned(rows: 1)
        return .ok(.init(body: .json(.init(name: c.name, level: c.level.rawValue, region: c.region,
                                           regionName: c.region.flatMap { names.name(of: $0) }, expiresAt: c.expiresAt,
                                           suppression: suppressionMeta(c, suppressedCells: 0)))))
    }

    func getEnrollment(_ input: Operations.GetEnrollment.Input) async throws -> Operations.GetEnrollment.Output {
        let scope = try RequestScope.required()
        let q = input.query
        let f = try RequestFilters(level: q.level, region: q.region, grade: q.grade, gender: q.gender, limit: q.limit, cursor: q.cursor,
                                   cursorFields: AggregateTable.enrollment.cursorFields)
        let format = try ResponseFormat(format: q.format, bom: q.bom, accept: input.headers.accept.map(\.contentType.rawValue))
        let (page, names) = try await publishedPage(.enrollment, f, scope: scope)
        if format.csv {
            let rows = page.rows.map { r -> [String?] in
                [r.level, r.region, names.name(of: r.region), r.dimensions[0], r.dimensions[1], r.measures[0].map(String.init),
                 r.suppressed ? "true" : "false"]
            }
            return .ok(.init(body: .csv(csvBody(header: ["level", "region", "region_name", "grade", "gender", "students", "suppressed"],
                                                rows: rows, format: format, scope: scope))))
        }
        let rows = page.rows.map { r in
            Components.Schemas.EnrollmentRow(level: r.level, region: r.region, regionName: names.name(of: r.region),
                                             grade: Int(r.dimensions[0]) ?? 0, gender: Int(r.dimensions[1]) ?? 0,
                                             students: r.measures[0], suppressed: r.suppressed)
        }
        return .ok(.init(body: .json(.init(meta: meta(rows: rows.count, nextCursor: page.nextCursor, suppressedCells: page.suppressedCells,
                                                      scope: scope), rows: rows))))
    }

    func getTeachers(_ input: Operations.GetTeachers.Input) async throws -> Operations.GetTeachers.Output {
        let scope = try RequestScope.required()
        let q = input.query
        let f = try RequestFilters(level: q.level, region: q.region, limit: q.limit, cursor: q.cursor,
                                   cursorFields: AggregateTable.teachers.cursorFields)
        let format = try ResponseFormat(format: q.format, bom: q.bom, accept: input.headers.accept.map(\.contentType.rawValue))
        let (page, names) = try await publishedPage(.teachers, f, scope: scope)
        if format.csv {
            let rows = page.rows.map { r -> [String?] in
                [r.level, r.region, names.name(of: r.region), r.measures[0].map(String.init), r.suppressed ? "true" : "false"]
            }
            return .ok(.init(body: .csv(csvBody(header: ["level", "region", "region_name", "teachers", "suppressed"],
                                                rows: rows, format: format, scope: scope))))
        }
        let rows = page.rows.map { r in
            Components.Schemas.TeacherRow(level: r.level, region: r.region, regionName: names.name(of: r.region),
                                          teachers: r.measures[0], suppressed: r.suppressed)
        }
        return .ok(.init(body: .json(.init(meta: meta(rows: rows.count, nextCursor: page.nextCursor, suppressedCells: page.suppressedCells,
                                                      scope: scope), rows: rows))))
    }

    func getAttendance(_ input: Operations.GetAttendance.Input) async throws -> Operations.GetAttendance.Output {
        let scope = try RequestScope.required()
        let q = input.query
        let f = try RequestFilters(level: q.level, region: q.region, from: q.from, to: q.to, limit: q.limit, cursor: q.cursor,
                                   cursorFields: AggregateTable.attendance.cursorFields)
        let format = try ResponseFormat(format: q.format, bom: q.bom, accept: input.headers.accept.map(\.contentType.rawValue))
        let (page, names) = try await publishedPage(.attendance, f, scope: scope)
        if format.csv {
            let rows = page.rows.map { r -> [String?] in
                [r.level, r.region, names.name(of: r.region), r.dimensions[0], r.measures[0].map(String.init),
                 r.measures[1].map(String.init), r.suppressed ? "true" : "false"]
            }
            return .ok(.init(body: .csv(csvBody(header: ["level", "region", "region_name", "day", "expected", "present", "suppressed"],
                                                rows: rows, format: format, scope: scope))))
        }
        let rows = page.rows.map { r in
            Components.Schemas.AttendanceRow(level: r.level, region: r.region, regionName: names.name(of: r.region),
                                             day: r.dimensions[0], expected: r.measures[0], present: r.measures[1],
                                             suppressed: r.suppressed)
        }
        return .ok(.init(body: .json(.init(meta: meta(rows: rows.count, nextCursor: page.nextCursor, suppressedCells: page.suppressedCells,
                                                      scope: scope), rows: rows))))
    }

    func listRegions(_ input: Operations.ListRegions.Input) async throws -> Operations.ListRegions.Output {
        let scope = try RequestScope.required()
        let q = input.query
        let f = try RequestFilters(level: q.level, region: q.parent)
        let format = try ResponseFormat(format: q.format, bom: q.bom, accept: input.headers.accept.map(\.contentType.rawValue))
        let regions = try await RegionList(service: service).visible(client: scope.client, level: f.level, parent: f.region)
        scope.returned(rows: regions.count)
        if format.csv {
            return .ok(.init(body: .csv(csvBody(header: ["code", "level", "parent", "name_zh", "name_en"],
                                                rows: regions.map { [$0.code, $0.level, $0.parent, $0.nameZh, $0.nameEn] },
                                                format: format, scope: scope))))
        }
        let rows = regions.map {
            Components.Schemas.Region(code: $0.code, level: $0.level, parent: $0.parent, nameZh: $0.nameZh, nameEn: $0.nameEn)
        }
        return .ok(.init(body: .json(.init(rows: rows))))
    }

    func listDatasets(_ input: Operations.ListDatasets.Input) async throws -> Operations.ListDatasets.Output {
        let scope = try RequestScope.required()
        let datasets = try await CatalogReader(service: service).datasets(client: scope.client, only: nil)
        scope.returned(rows: datasets.count)
        return .ok(.init(body: .json(.init(rows: datasets))))
    }

    func getDataset(_ input: Operations.GetDataset.Input) async throws -> Operations.GetDataset.Output {
        let scope = try RequestScope.required()
        let name = input.path.dataset
        guard name.utf8.count <= 120 else { throw FilterError("dataset", "dataset names are at most 120 characters") }
        let reader = CatalogReader(service: service)
        guard let dataset = try await reader.datasets(client: scope.client, only: name).first else {
            throw APIError.notFound("no dataset \"\(name.prefix(60))\" in the catalog; GET /v1/catalog lists them")
        }
        let fields = try await reader.fields(client: scope.client, dataset: name)
        scope.returned(rows: 1 + fields.count)
        return .ok(.init(body: .json(.init(dataset: dataset, fields: fields))))
    }

    func getQualityScores(_ input: Operations.GetQualityScores.Input) async throws -> Operations.GetQualityScores.Output {
        let scope = try RequestScope.required()
        let q = input.query
        let f = try RequestFilters(level: q.level, region: q.region, from: q.from, to: q.to, dimension: q.dimension, limit: q.limit,
                                   cursor: q.cursor, cursorFields: 4)
        let format = try ResponseFormat(format: q.format, bom: q.bom, accept: input.headers.accept.map(\.contentType.rawValue))
        let (rows, next) = try await QualityReader(service: service).scores(client: scope.client, filters: f)
        let names = await service.names()
        scope.returned(rows: rows.count)
        if format.csv {
            return .ok(.init(body: .csv(csvBody(
                header: ["level", "region", "region_name", "day", "dimension", "score", "checked", "failed", "monitors"],
                rows: rows.map { [$0.level, $0.region, names.name(of: $0.region), $0.day, $0.dimension, String($0.score),
                                  String($0.checked), String($0.failed), String($0.monitors)] },
                format: format, scope: scope))))
        }
        return .ok(.init(body: .json(.init(
            meta: meta(rows: rows.count, nextCursor: next, suppressedCells: 0, scope: scope),
            rows: rows.map {
                .init(level: $0.level, region: $0.region, regionName: names.name(of: $0.region), day: $0.day, dimension: $0.dimension,
                      score: $0.score, checked: $0.checked, failed: $0.failed, monitors: $0.monitors)
            }))))
    }

    func getQualityReport(_ input: Operations.GetQualityReport.Input) async throws -> Operations.GetQualityReport.Output {
        let scope = try RequestScope.required()
        let q = input.query
        let f = try RequestFilters(level: q.level, region: q.region, from: q.from, to: q.to)
        let report = try await QualityReader(service: service).report(client: scope.client, filters: f)
        scope.returned(rows: report.dimensions.count + report.failingMonitors.count)
        return .ok(.init(body: .json(report)))
    }

    func getFreshness(_ input: Operations.GetFreshness.Input) async throws -> Operations.GetFreshness.Output {
        let scope = try RequestScope.required()
        let freshness = try await FreshnessReader(service: service).read()
        scope.returned(rows: freshness.stages.count)
        return .ok(.init(body: .json(freshness)))
    }

    func listRecords(_ input: Operations.ListRecords.Input) async throws -> Operations.ListRecords.Output {
        let scope = try RequestScope.required()
        let q = input.query
        let f = try RequestFilters(region: q.school, limit: q.limit, cursor: q.cursor, cursorFields: 1)
        if let school = f.region, RegionLevel.of(school) != .school {
            throw FilterError("school", "school must be a 10-digit school code; got \"\(school)\"")
        }
        let format = try ResponseFormat(format: q.format, bom: q.bom, accept: input.headers.accept.map(\.contentType.rawValue))
        let (rows, next) = try await RecordReader(service: service).page(client: scope.client, recordType: input.path.recordType, filters: f)
        scope.returned(rows: rows.count)
        if format.csv {
            return .ok(.init(body: .csv(csvBody(
                header: ["record_type", "key", "school", "county", "gender", "grade", "status", "day", "class_name", "expected", "present", "updated_at"],
                rows: rows.map { r in [r.recordType, r.key, r.school, r.county, r.gender.map(String.init), r.grade.map(String.init),
                                       r.status.map(String.init), r.day, r.className, r.expected.map(String.init), r.present.map(String.init), r.updatedAt] },
                format: format, scope: scope))))
        }
        return .ok(.init(body: .json(.init(meta: meta(rows: rows.count, nextCursor: next, suppressedCells: 0, scope: scope), rows: rows))))
    }
}

/// How a request asked to be answered: JSON, or CSV (``DataServicesAPI/wantsCSV(format:acceptsCSV:)``)
/// with or without a byte-order mark.
struct ResponseFormat {
    var csv: Bool
    var bom: Bool

    /// Reads `format`, `bom` and the Accept header's media types; a bad value is a 400 naming the parameter.
    init(format: String?, bom: String?, accept: [String]) throws {
        csv = try DataServicesAPI.wantsCSV(format: format, acceptsCSV: DataServicesAPI.onlyCSV(accept))
        self.bom = try DataServicesAPI.bom(bom)
    }
}
