import Foundation
import HubStore
import Testing
import Topology

/// The catalog is generated from the topology: every dataset, with lineage back to a raw topic.
@Suite("Data catalog")
struct CatalogTests {
    let catalog = Catalog(topology: AccessFixture.shippedTopology, schema: HubSchema(name: "hub"))

    /// Follows `upstream` to the datasets without one.
    func roots(_ name: String) -> Set<String> {
        guard let d = catalog.dataset(name) else { return [] }
        if d.upstream.isEmpty { return [name] }
        return d.upstream.reduce(into: Set<String>()) { $0.formUnion(roots($1)) }
    }

    @Test("every shipped dataset is listed with its classification and lineage to its raw topic")
    func shippedDatasets() throws {
        let topology = AccessFixture.shippedTopology
        #expect(topology.streams.count == 3)
        for stream in topology.streams {
            let raw = try #require(catalog.dataset(stream.sourceTopic))
            #expect(raw.classification == .sensitive && raw.zone == "raw")
            let std = try #require(catalog.dataset(stream.outputTopic))
            #expect(std.classification == .internal && std.zone == "standard")
            #expect(std.upstream == [stream.sourceTopic])
            #expect(std.owner == stream.owner)
            #expect(!std.fields.contains { $0.kind == "personal" }, "personal fields never reach the standard zone")
            for dialect in stream.dialects { #expect(std.lineage.contains(dialect.name)) }
            for a in stream.aggregates {
                let agg = try #require(catalog.dataset("hub.\(a.table)"))
                #expect(agg.classification == .public && agg.zone == "published")
                #expect(roots(agg.name) == [stream.sourceTopic])
                #expect(agg.lineage.hasPrefix(stream.sourceTopic))
                #expect(agg.fields.map(\.name).prefix(2) == ["level", "region_code"])
            }
        }
        let names = Set(catalog.datasets.map(\.name))
        #expect(names.isSuperset(of: ["raw.student", "std.student", "hub.enrollment_agg", "raw.teacher", "std.teacher", "hub.teacher_agg",
                                      "raw.attendance", "std.attendance", "hub.attendance_agg", "hub.quarantine",
                                      "hub.quarantine_counts", "hub_private.quarantine_raw", "hub_private.raw_zone"]))
        for q in ["hub.quarantine", "hub.quarantine_counts", "hub_private.raw_zone"] {
            #expect(catalog.dataset(q)?.classification == .sensitive)
        }
        let gender = try #require(catalog.dataset("std.student")?.fields.first { $0.name == "gender" })
        #expect(gender.codeTables == ["gender.std", "gender.en", "gender.zh"])
        #expect(gender.sources == ["std:XBM", "en:gender", "zh:性别"])
        #expect(catalog.dataset("std.student")?.fields.contains { $0.name == "person_code" } == true)
    }

    @Test("migrating stores the catalog in PostgreSQL")
    func storedOnMigrate() throws {
        let f = try AccessFixture("access_catalog")
        let count = try f.db.query("SELECT count(*) FROM hub.catalog_datasets")
        #expect(count.int(0, 0) == catalog.datasets.count)
        let lineage = try f.db.query("SELECT upstream::text, classification FROM hub.catalog_datasets WHERE dataset = 'hub.enrollment_agg'")
        #expect(lineage.value(0, 0) == "{std.student}" && lineage.value(0, 1) == "public")
        let fields = try f.db.query("SELECT sources::text FROM hub.catalog_fields WHERE dataset = 'std.student' AND field = 'grade'")
        #expect(fields.value(0, 0) == "{std:NJDM,en:grade,zh:年级}")
    }

    @Test("adding a dialect to a temporary copy of the topology changes hubctl catalog")
    func addedDialectChangesCatalog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-topology-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in try FileManager.default.contentsOfDirectory(atPath: AccessFixture.topologyDirectory) where name.hasSuffix(".yaml") {
            try FileManager.default.copyItem(atPath: AccessFixture.topologyDirectory + "/" + name, toPath: directory.appendingPathComponent(name).path)
        }
        let studentPath = directory.appendingPathComponent("student.yaml").path
        let student = try String(contentsOfFile: studentPath, encoding: .utf8)
        let legacy = """
              legacy:
                school_code: SCHOOL
                id_number: PID
                gender:     { from: SEX, codes: gender.en }
                grade:      { from: STUFE, codes: grade.en }
                status:     { from: STATUS, codes: student_status.en }
                updated_at: { from: STAND, format: iso8601 }

            aggregates:

            """
        #expect(student.contains("\naggregates:\n"))
        try student.replacingOccurrences(of: "\naggregates:\n", with: "\n" + legacy).write(toFile: studentPath, atomically: true, encoding: .utf8)

        let shipped = try AccessFixture.run("hubctl", ["catalog", "--json"], environment: ["HUB_TOPOLOGY_DIR": AccessFixture.topologyDirectory])
        let changed = try AccessFixture.run("hubctl", ["catalog", "--json"], environment: ["HUB_TOPOLOGY_DIR": directory.path])
        #expect(shipped.status == 0 && changed.status == 0, "\(shipped.error) \(changed.error)")
        let before = try JSONDecoder().decode(Catalog.self, from: Data(shipped.output.utf8))
        let after = try JSONDecoder().decode(Catalog.self, from: Data(changed.output.utf8))
        let gradeBefore = try #require(before.dataset("std.student")?.fields.first { $0.name == "grade" })
        let gradeAfter = try #require(after.dataset("std.student")?.fields.first { $0.name == "grade" })
        #expect(!gradeBefore.sources.contains("legacy:STUFE"))
        #expect(gradeAfter.sources.contains("legacy:STUFE"))
        #expect(after.dataset("std.student")?.lineage.contains("legacy (school code SCHOOL)") == true)
        #expect(after.dataset("raw.student")?.fields.contains { $0.name == "legacy:SEX" } == true)
        #expect(before.dataset("std.teacher") == after.dataset("std.teacher"))

        let text = try AccessFixture.run("hubctl", ["catalog"], environment: ["HUB_TOPOLOGY_DIR": directory.path])
        #expect(text.output.contains("legacy:STUFE"))
    }
}
