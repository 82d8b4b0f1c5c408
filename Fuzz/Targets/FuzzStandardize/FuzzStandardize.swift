import Decoding
import Foundation
import FuzzSupport
import HubCore
import Standardization
import Topology

/// The standardiser with the shipped topologies (`Topologies/*.yaml`, or `HUB_TOPOLOGY_DIR`) on
/// decoded records, against a small fixed registry, at fuzzed Kafka timestamps — what
/// Transform does with every record Ingest lets through, monitors included.
///
/// Oracles: the records survive the `hub.ingested` wire format unchanged; a standard record
/// has its stream's type, a registry school and that school's county, a 64-hex person code,
/// codes from its tables, non-negative counts and a class name PostgreSQL can store, and
/// survives the standard-zone wire format; a quarantine verdict has a record-level reason
/// (`malformed` only with its field) and a short printable detail.
func fuzzStandardize(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let standardizer = Fixture.standardizers[Int(input.byte()) % Fixture.standardizers.count]
    let arbitrary = input.int64()
    let timestampMs = input.choice([1_788_000_000_000, 1_788_000_000_000, 0, -1, 1_000, Int64.max, Int64.min, arbitrary])
    let framing = input.byte() % 4
    let headers: [(name: String, value: [UInt8]?)]
    switch framing {
    case 0: headers = []
    case 1: headers = [("content-type", Array("application/x-ndjson".utf8))]
    case 2: headers = [("content-type", Array("text/csv".utf8))]
    default: headers = FuzzHeaders.read(&input)
    }
    let decoded = MessageDecoding.decode(value: input.rest(), headers: headers)
    guard case .records(let units) = decoded else { return 0 }
    let records = units.compactMap { unit -> RawRecord? in
        if case .record(let record) = unit { return record }
        return nil
    }

    let source = SourcePosition(topic: standardizer.stream.sourceTopic, partition: 3, offset: 42, row: 0)
    let ingested = IngestedMessage(source: source, timestampMs: timestampMs, records: records)
    fuzzCheck((try? IngestedMessage(decoding: ingested.encoded())) == ingested, "ingested message does not round-trip")

    for record in records {
        var position = source
        position.row = record.row
        // The fuzzing key is HMAC-SHA256 (swift-crypto), which cannot fail.
        guard let outcome = try? standardizer.standardize(record, source: position, registryAsOfMs: timestampMs,
                                                          registry: Fixture.registry, sourceTimestampMs: timestampMs) else {
            fuzzCheck(false, "standardisation threw")
            continue
        }
        switch outcome {
        case .standard(let standard):
            Fixture.check(standard, of: standardizer.stream, at: timestampMs)
        case .quarantine(let reason, let field, let detail, _):
            // `malformed` at this stage only for text PostgreSQL could not store, its field named.
            fuzzCheck(reason != .tooLarge && (reason != .malformed || field != nil), "record-level quarantine as \(reason)")
            DecodingOracle.checkDetail(detail)
        }
    }
    return 0
}

enum Fixture {
    /// Person codes and pseudonyms need a key; this one is only for fuzzing.
    static let standardizers: [Standardizer] = {
        let directory = ProcessInfo.processInfo.environment["HUB_TOPOLOGY_DIR"] ?? "Topologies"
        let topology: Topology
        do {
            topology = try TopologyLoader.load(directory: directory)
        } catch {
            fuzzFailure("cannot load the topology in \(directory) (set HUB_TOPOLOGY_DIR): \(error)")
        }
        let pseudonymizer = Pseudonymizer(secret: Array("fuzzing-person-code-key".utf8))
        return topology.streams.map { Standardizer(stream: $0, pseudonymizer: pseudonymizer) }
    }()

    /// Two schools from the start, one that moves county later, one deleted later.
    static let registry: SchoolRegistry = {
        var registry = SchoolRegistry()
        registry.apply(school: "3133000001", county: "330106", timestampMs: 0, partition: 0, offset: 0)
        registry.apply(school: "3133000002", county: "330212", timestampMs: 0, partition: 0, offset: 1)
        registry.apply(school: "3133000003", county: "330106", timestampMs: 0, partition: 1, offset: 0)
        registry.apply(school: "3133000003", county: "330327", timestampMs: 1_790_000_000_000, partition: 1, offset: 1)
        registry.apply(school: "3133000004", county: "330106", timestampMs: -5_000, partition: 2, offset: 0)
        registry.apply(school: "3133000004", county: nil, timestampMs: 1_789_000_000_000, partition: 2, offset: 1)
        return registry
    }()

    static func check(_ record: StandardRecord, of stream: StreamDefinition, at timestampMs: Int64) {
        fuzzCheck(record.type == stream.recordType, "record type \(record.type) from stream \(stream.name)")
        guard let county = registry.county(of: record.schoolCode, asOf: timestampMs) else {
            fuzzFailure("standardised against a school the registry does not have then")
        }
        fuzzCheck(record.countyCode == county, "county \(record.countyCode), registry says \(county)")
        switch record.type {
        case .student, .teacher:
            fuzzCheck(record.key.hex.utf8.count == 64 && record.key.hex.utf8.allSatisfy { isLowerHex($0) }, "person code is not 64 hex digits")
        case .attendance:
            fuzzCheck(record.key == StandardRecord.attendanceKey(school: record.schoolCode, day: record.day ?? 0, grade: record.grade ?? 0,
                                                                   className: record.className ?? ""),
                      "attendance key is not the hash of school, day, grade and class")
        }
        for code in [record.gender, record.grade, record.status].compactMap({ $0 }) {
            fuzzCheck(code >= 0, "negative code \(code)")
        }
        for count in [record.expected, record.present].compactMap({ $0 }) {
            fuzzCheck(count >= 0, "negative count \(count)")
        }
        fuzzCheck(record.qualityFailed & ~record.qualityChecked == 0, "a monitor failed without checking")
        if let className = record.className {
            fuzzCheck(!className.utf8.contains(0) && className.utf8.count <= 256, "class name PostgreSQL cannot store or index")
        }
        fuzzCheck((try? StandardRecord(decoding: record.encoded())) == record, "standard record does not round-trip")
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }
}
