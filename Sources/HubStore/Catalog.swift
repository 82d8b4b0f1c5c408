import Foundation
import Postgres
import Topology

/// How carefully a dataset must be handled; drives who is granted what.
public enum DataClassification: String, Sendable, Codable, CaseIterable {
    /// Aggregates: readable by region-scoped roles (row-level security).
    case `public`
    /// Pseudonymous standard zone: the pipeline and operators.
    case `internal`
    /// Raw bytes and quarantined units: operators only.
    case sensitive
}

/// One field (column) of a catalogued dataset.
public struct CatalogField: Sendable, Codable, Hashable {
    public var name: String
    public var kind: String
    public var meaning: String
    public var classification: DataClassification
    /// Code tables the field's values go through, e.g. `gender.std`.
    public var codeTables: [String]
    /// Where the value comes from, e.g. `std:XBM`, `en:gender` (dialect:raw field) or a standard field.
    public var sources: [String]
}

/// One dataset of the hub: a raw or standard-zone topic, a table or a view.
public struct CatalogDataset: Sendable, Codable, Hashable {
    public var name: String
    public var kind: String
    /// `raw`, `standard`, `published` or `quarantine`.
    public var zone: String
    public var classification: DataClassification
    public var owner: String
    public var description: String
    /// Where it is stored (topics and tables).
    public var location: String
    public var stream: String?
    /// The datasets it is derived from (empty for raw topics).
    public var upstream: [String]
    /// The path from the raw topic, in words.
    public var lineage: String
    public var fields: [CatalogField]
}

/// The data catalog, generated from the topology: every raw, standard-zone, aggregate and
/// quarantine dataset with fields, meanings, code tables, classification, owner and lineage.
/// Stored in `catalog_datasets`/`catalog_fields` at every migration, so it always matches the
/// topology the workers run with.
public struct Catalog: Sendable, Codable {
    public var datasets: [CatalogDataset]

    public init(topology: Topology, schema: HubSchema) {
        var out: [CatalogDataset] = []
        for stream in topology.streams {
            out.append(Self.rawDataset(stream, schema))
            out.append(Self.standardDataset(stream, schema))
            for aggregate in stream.aggregates {
                out.append(Self.aggregateDataset(aggregate, stream, schema))
            }
        }
        out += Self.quarantineDatasets(topology, schema)
        out += Self.referenceDatasets(schema)
        out += Self.monitoringDatasets(topology, schema)
        datasets = out
    }

    public func dataset(_ name: String) -> CatalogDataset? { datasets.first { $0.name == name } }

    /// Replaces the stored catalog with this one (inside the caller's transaction).
    public func store(_ db: PGConnection, schema: HubSchema) throws {
        let s = schema.name
        try db.execute("DELETE FROM \(s).catalog_datasets")
        for d in datasets {
            try db.query("""
                INSERT INTO \(s).catalog_datasets
                    (dataset, kind, zone, classification, owner, description, location, stream, upstream, lineage)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10)
                """, [d.name, d.kind, d.zone, d.classification.rawValue, d.owner, d.description, d.location, d.stream,
                      PGArrayLiteral.text(d.upstream), d.lineage])
            for (i, f) in d.fields.enumerated() {
                try db.query("""
                    INSERT INTO \(s).catalog_fields
                        (dataset, position, field, kind, meaning, classification, code_tables, sources)
                    VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::text[])
                    """, [d.name, String(i + 1), f.name, f.kind, f.meaning, f.classification.rawValue,
                          PGArrayLiteral.text(f.codeTables), PGArrayLiteral.text(f.sources)])
            }
        }
    }

    // MARK: generation

    private static func rawDataset(_ stream: StreamDefinition, _ schema: HubSchema) -> CatalogDataset {
        var fields: [CatalogField] = []
        var seen: Set<String> = []
        for dialect in stream.dialects {
            for field in stream.fields {
                guard let m = dialect.mappings[field.name], seen.insert("\(dialect.name):\(m.from)").inserted else { continue }
                fields.append(CatalogField(
                    name: "\(dialect.name):\(m.from)", kind: field.kind.rawValue, meaning: field.meaning,
                    classification: .sensitive, codeTables: m.codes.map { [$0.name] } ?? [],
                    sources: []))
            }
        }
        return CatalogDataset(
            name: stream.sourceTopic, kind: "kafka topic", zone: "raw", classification: .sensitive, owner: stream.owner,
            description: "Raw \(stream.recordType.rawValue) records as pushed (dialects \(stream.dialects.map(\.name).joined(separator: ", "))). \(stream.description)",
            location: "topic \(stream.sourceTopic); table \(schema.privateName).raw_zone (zstd, per school/county own zone)",
            stream: stream.name, upstream: [],
            lineage: "\(stream.sourceTopic): pushed by schools and county bureaus, keyed by school or county code",
            fields: fields)
    }

    private static func standardDataset(_ stream: StreamDefinition, _ schema: HubSchema) -> CatalogDataset {
        var fields: [CatalogField] = []
        for field in stream.fields where field.kind != .personal {
            var name = field.name
            var meaning = field.meaning
            if field.kind == .idNumber {
                name = "person_code"
                meaning = "person code: keyed pseudonym (HMAC-SHA256) of the \(field.meaning)"
            }
            fields.append(CatalogField(
                name: name, kind: field.kind.rawValue, meaning: meaning, classification: .internal,
                codeTables: codeTables(field.name, stream),
                sources: stream.dialects.compactMap { d in d.mappings[field.name].map { "\(d.name):\($0.from)" } }))
        }
        let dialects = stream.dialects.map { "\($0.name) (school code \($0.schoolField))" }.joined(separator: ", ")
        return CatalogDataset(
            name: stream.outputTopic, kind: "kafka topic + view", zone: "standard", classification: .internal,
            owner: stream.owner, description: "Standardised \(stream.recordType.rawValue) records (pseudonymous). \(stream.description)",
            location: "topic \(stream.outputTopic); view \(schema.name).standard_zone WHERE record_type = '\(stream.recordType.rawValue)'",
            stream: stream.name, upstream: [stream.sourceTopic],
            lineage: "\(stream.sourceTopic) → hub-ingest (formats, charsets) → hub-transform (stream \(stream.name), dialects \(dialects)) → \(stream.outputTopic) → hub-sink → \(schema.name).current_state",
            fields: fields)
    }

    private static func aggregateDataset(_ a: AggregateDefinition, _ stream: StreamDefinition, _ schema: HubSchema) -> CatalogDataset {
        var fields = [
            CatalogField(name: "level", kind: "text", meaning: "administrative level: " + a.levels.map(\.rawValue).joined(separator: ", "),
                         classification: .public, codeTables: [], sources: []),
            CatalogField(name: "region_code", kind: "text", meaning: "region code at that level (330000, city, county or 10-digit school)",
                         classification: .public, codeTables: [], sources: ["school_code", "school registry county"]),
        ]
        for g in a.groupBy {
            fields.append(CatalogField(
                name: g.column, kind: stream.field(g.field)?.kind.rawValue ?? "code", meaning: stream.field(g.field)?.meaning ?? g.field,
                classification: .public, codeTables: codeTables(g.field, stream), sources: [g.field]))
        }
        for m in a.measures {
            switch m.measure {
            case .count:
                fields.append(CatalogField(name: m.column, kind: "count", meaning: "number of \(stream.recordType.rawValue) entities passing the filter",
                                           classification: .public, codeTables: [], sources: []))
            case .sum(let f):
                fields.append(CatalogField(name: m.column, kind: "count", meaning: "sum of \(f): " + (stream.field(f)?.meaning ?? f),
                                           classification: .public, codeTables: [], sources: [f]))
            }
        }
        fields.append(CatalogField(name: "updated_at", kind: "timestamp", meaning: "when the row last changed",
                                   classification: .public, codeTables: [], sources: []))
        let filter = a.filter.map { "\($0.field) ∈ {\($0.codes.map(String.init).joined(separator: ", "))}" }.joined(separator: ", ")
        let groups = a.groupBy.map { "\($0.column) ← \($0.field)" }.joined(separator: ", ")
        return CatalogDataset(
            name: "\(schema.name).\(a.table)", kind: "table", zone: "published", classification: .public, owner: stream.owner,
            description: a.description, location: "table \(schema.name).\(a.table) (row-level security per region)",
            stream: stream.name, upstream: [stream.outputTopic],
            lineage: "\(stream.sourceTopic) → \(stream.outputTopic) → hub-sink (current state; filter \(filter.isEmpty ? "none" : filter); group by \(groups.isEmpty ? "region" : groups)) → \(schema.name).\(a.table)",
            fields: fields)
    }

    private static func quarantineDatasets(_ topology: Topology, _ schema: HubSchema) -> [CatalogDataset] {
        let raw = topology.streams.map(\.sourceTopic)
        let owner = "hub operators"
        func f(_ name: String, _ kind: String, _ meaning: String) -> CatalogField {
            CatalogField(name: name, kind: kind, meaning: meaning, classification: .sensitive, codeTables: [], sources: [])
        }
        return [
            CatalogDataset(
                name: "\(schema.name).quarantine", kind: "table", zone: "quarantine", classification: .sensitive, owner: owner,
                description: "One row per quarantined unit (position, reason, field, school); no personal data.",
                location: "table \(schema.name).quarantine; topic hub.quarantine", stream: nil, upstream: raw,
                lineage: raw.joined(separator: ", ") + " → hub-ingest / hub-transform (whole-value and record checks) → hub.quarantine → hub-sink",
                fields: [f("src_topic", "text", "raw topic"), f("src_partition", "count", "raw partition"),
                         f("src_offset", "count", "raw offset"), f("src_row", "count", "line/row within the value"),
                         f("reason", "code", "quarantine reason code"), f("field", "text", "the field concerned"),
                         f("school_code", "school", "school code, when known")]),
            CatalogDataset(
                name: "\(schema.name).quarantine_counts", kind: "view", zone: "quarantine", classification: .sensitive, owner: owner,
                description: "Quarantined units per reason since the start.", location: "view \(schema.name).quarantine_counts",
                stream: nil, upstream: ["\(schema.name).quarantine"],
                lineage: "\(schema.name).quarantine → count per reason",
                fields: [f("reason", "code", "quarantine reason code"), f("records", "count", "units")]),
            CatalogDataset(
                name: "\(schema.privateName).quarantine_raw", kind: "table", zone: "quarantine", classification: .sensitive, owner: owner,
                description: "Original bytes of quarantined units.", location: "table \(schema.privateName).quarantine_raw",
                stream: nil, upstream: ["\(schema.name).quarantine"],
                lineage: raw.joined(separator: ", ") + " → hub.quarantine → hub-sink",
                fields: [f("raw", "bytes", "original bytes"), f("record", "bytes", "the parsed raw record")]),
            CatalogDataset(
                name: "\(schema.privateName).raw_zone", kind: "table", zone: "raw", classification: .sensitive, owner: owner,
                description: "Own zone per school and county: every raw message, zstd-compressed, kept for the retention period.",
                location: "table \(schema.privateName).raw_zone", stream: nil, upstream: raw,
                lineage: raw.joined(separator: ", ") + " → hub-archive → \(schema.privateName).raw_zone",
                fields: [f("school_code", "school", "school code (message key)"), f("county_code", "text", "county code (key or registry)"),
                         f("bytes", "bytes", "zstd-compressed raw value"), f("headers", "text", "Kafka headers")]),
        ]
    }

    /// The monitoring scenarios and their results per region (row-level security like the aggregates).
    private static func monitoringDatasets(_ topology: Topology, _ schema: HubSchema) -> [CatalogDataset] {
        let s = schema.name
        func f(_ name: String, _ kind: String, _ meaning: String) -> CatalogField {
            CatalogField(name: name, kind: kind, meaning: meaning, classification: .public, codeTables: [], sources: [])
        }
        let standard = topology.streams.map(\.outputTopic)
        return [
            CatalogDataset(
                name: "\(s).scenarios", kind: "table", zone: "reference", classification: .public, owner: "hub operators",
                description: "The education business monitoring scenarios: title and definition (zh, en), unit, thresholds, owner.",
                location: "table \(s).scenarios", stream: nil, upstream: ["topology scenarios:"],
                lineage: "Topologies (scenarios:) → hubctl db migrate → \(s).scenarios",
                fields: [f("scenario", "text", "scenario name"), f("title_zh", "text", "title in Chinese"),
                         f("definition_zh", "text", "what is counted, in Chinese"), f("thresholds", "json", "thresholds per level and stage")]),
            CatalogDataset(
                name: "\(s).scenario_results", kind: "table", zone: "published", classification: .public,
                owner: topology.scenarios.first?.owner ?? "hub operators",
                description: "Each monitoring scenario's value per period (month or term) and region, its threshold and status.",
                location: "table \(s).scenario_results (row-level security per region)", stream: nil,
                upstream: standard + ["\(s).schools"],
                lineage: standard.joined(separator: ", ") + " → hub-sink (standard zone) → monitor_evaluate / hubctl monitor evaluate → \(s).scenario_results",
                fields: [f("scenario", "text", "scenario name"), f("period", "text", "YYYY-MM or YYYY-YYYY-N (term)"),
                         f("level", "text", "province, city, county or school"), f("region_code", "text", "region code at that level"),
                         f("value", "number", "the indicator's value"), f("numerator", "number", "numerator"),
                         f("denominator", "number", "denominator"), f("threshold_low", "number", "lower threshold"),
                         f("threshold_high", "number", "upper threshold"), f("status", "code", "ok, warning or no_data")]),
        ]
    }

    /// School and region names: public reference data, read by every login.
    private static func referenceDatasets(_ schema: HubSchema) -> [CatalogDataset] {
        let s = schema.name
        func f(_ name: String, _ kind: String, _ meaning: String) -> CatalogField {
            CatalogField(name: name, kind: kind, meaning: meaning, classification: .public, codeTables: [], sources: [])
        }
        let owner = "hub operators"
        return [
            CatalogDataset(
                name: "\(s).schools", kind: "view", zone: "reference", classification: .public, owner: owner,
                description: "Each registered school's current version (deleted schools are absent).",
                location: "view \(s).schools", stream: nil, upstream: ["\(s).school_registry"],
                lineage: "ref.school → hub-archive → \(s).school_registry → latest version per school",
                fields: [f("school_code", "school", "10-digit school identification code"), f("name", "text", "school name"),
                         f("county_code", "text", "county code (GB/T 2260)"), f("city_code", "text", "city code: the county's first 4 digits + 00"),
                         f("stage", "text", "school stage as registered (e.g. primary, junior, senior)"),
                         f("valid_from", "timestamp", "Kafka time of the registry message in effect")]),
            CatalogDataset(
                name: "\(s).school_registry", kind: "table", zone: "reference", classification: .internal, owner: owner,
                description: "Every ref.school message as a version of its school, valid from its Kafka timestamp.",
                location: "table \(s).school_registry", stream: nil, upstream: ["ref.school"],
                lineage: "ref.school → hub-archive (same transaction as its offsets) → \(s).school_registry",
                fields: [f("school_code", "school", "school code (message key)"), f("valid_from", "timestamp", "Kafka timestamp"),
                         f("name", "text", "school name"), f("county_code", "text", "county code; null for a delete"),
                         f("stage", "text", "school stage"), f("deleted", "bool", "the message deletes the school")]),
            CatalogDataset(
                name: "\(s).regions", kind: "table", zone: "reference", classification: .public, owner: owner,
                description: "Names of the province, its cities and counties (GB/T 2260).",
                location: "table \(s).regions", stream: nil, upstream: ["topology regions:"],
                lineage: "Topologies (regions:) → hubctl db migrate → \(s).regions",
                fields: [f("code", "text", "region code"), f("level", "text", "province, city or county"),
                         f("parent_code", "text", "the region above"), f("name_zh", "text", "Chinese name"),
                         f("name_en", "text", "English (pinyin) name")]),
        ]
    }

    private static func codeTables(_ field: String, _ stream: StreamDefinition) -> [String] {
        stream.dialects.compactMap { $0.mappings[field]?.codes?.name }
    }
}
