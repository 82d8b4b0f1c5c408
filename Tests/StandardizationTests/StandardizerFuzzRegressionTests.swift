import Decoding
import HubCore
import Standardization
import Testing

/// Inputs the standardiser fuzz target (`scripts/fuzz.sh --target standardize`) found, kept
/// byte for byte with the outcome each must have.
@Suite("Standardizer fuzz regressions")
struct StandardizerFuzzRegressionTests {
    /// The value of crash input `standardize-arrivallag` (stream student, CSV): a valid student
    /// row, then a row with a quote inside an unquoted field.
    static let value: [UInt8] = Array("""
        XXBSM,SFZJH,XBM,NJDM,XJZT,GXSJ,BJ
        3133000001,330106201003040034,2,15,1,2026-01-01 08:00:00,"1班, 东"
        3133000001,330106201003040042,2,12,1,2026-09-01 08:"RQ":"00010101"000001,,2,12,1

        """.utf8)

    /// A Kafka timestamp of Int64.max made the arrival-lag monitor compute `ms * 1000` and trap
    /// (transform crashed on every restart). The row is standardised as at any time; the monitor
    /// judges only a known Kafka time. Found after ~15,000 executions.
    @Test("a Kafka timestamp far outside any real time: the record is standardised, arrival lag not judged",
          arguments: [Int64.max, Int64.min, -1, 0, 253_402_300_800_000])
    func arrivalLagWithAbsurdTimestamp(timestampMs: Int64) throws {
        let decoded = MessageDecoding.decode(value: Self.value, headers: [(name: "content-type", value: Array("text/csv".utf8))])
        guard case .records(let units) = decoded, units.count == 2, case .record(let row) = units[0],
              case .malformed(2, let detail, _) = units[1] else {
            Issue.record("expected a record at row 1 and a malformed unit at row 2, got \(decoded)")
            return
        }
        #expect(detail == "CSV quote inside an unquoted field")
        #expect(row.row == 1)

        let stream = try #require(Fixtures.topology.stream(for: .student))
        let timely = try #require(stream.monitors.firstIndex { $0.name == "student_timely" })
        let source = SourcePosition(topic: "raw.student", partition: 3, offset: 42, row: 1)
        let outcome = try Fixtures.standardizer(.student).standardize(row, source: source, registryAsOfMs: timestampMs,
                                                                  registry: Fixtures.registry(), sourceTimestampMs: timestampMs)
        // A registry entry from t=0 is in effect for every timestamp ≥ 0; before it, none is.
        guard timestampMs >= 0 else {
            guard case .quarantine(.unknownSchool, "XXBSM"?, _, "3133000001"?) = outcome else {
                Issue.record("expected unknown_school before the registry entry, got \(outcome)")
                return
            }
            return
        }
        guard case .standard(let record) = outcome else {
            Issue.record("expected a standard record, got \(outcome)")
            return
        }
        #expect(record.countyCode == "330106")
        #expect(record.gender == 2 && record.grade == 15 && record.status == 1)
        // 2026-01-01 08:00:00 Beijing = 2026-01-01T00:00:00Z.
        #expect(record.updatedAtMicros == 1_767_225_600_000_000)
        #expect(record.qualityChecked & (1 << UInt64(timely)) == 0)
    }

    @Test("the same row at a real Kafka time is judged by the arrival-lag monitor")
    func arrivalLagWithRealTimestamp() throws {
        guard case .records(let units) = MessageDecoding.decode(value: Self.value, headers: [(name: "content-type", value: Array("text/csv".utf8))]),
              case .record(let row)? = units.first else {
            Issue.record("row 1 does not decode")
            return
        }
        let stream = try #require(Fixtures.topology.stream(for: .student))
        let timely = try #require(stream.monitors.firstIndex { $0.name == "student_timely" })
        let source = SourcePosition(topic: "raw.student", partition: 3, offset: 42, row: 1)
        // Arrived 2026-09-01, eight months after its updated_at: checked, and late.
        let outcome = try Fixtures.standardizer(.student).standardize(row, source: source, registryAsOfMs: 1_788_228_000_000,
                                                                  registry: Fixtures.registry(), sourceTimestampMs: 1_788_228_000_000)
        guard case .standard(let record) = outcome else {
            Issue.record("expected a standard record, got \(outcome)")
            return
        }
        #expect(record.qualityChecked & (1 << UInt64(timely)) != 0)
        #expect(record.qualityFailed & (1 << UInt64(timely)) != 0)
    }
}
