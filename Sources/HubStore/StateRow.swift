import HubCore
import Postgres

/// How a `StandardRecord` is stored in `current_state`, and read back for retractions.
enum StateRow {
    static let columns = [
        "record_type", "entity_key", "school_code", "county_code", "updated_at_us", "src_topic", "src_partition",
        "src_offset", "src_row", "gender", "grade", "status", "day", "class_name", "expected", "present",
        "birth_date", "local_id_code", "source_time", "q_checked", "q_failed",
    ]

    static func write(_ r: StandardRecord, _ w: inout PGCopyWriter) {
        w.field(r.type.rawValue)
        w.field(r.key)
        w.field(r.schoolCode)
        w.field(r.countyCode)
        w.field(r.updatedAtMicros)
        w.field(r.position.topic)
        w.field(r.position.partition)
        w.field(r.position.offset)
        w.field(r.position.row)
        w.field(r.gender)
        w.field(r.grade)
        w.field(r.status)
        w.field(day: r.day)
        w.field(r.className)
        w.field(r.expected)
        w.field(r.present)
        w.field(day: r.birthDay)
        w.field(r.localIdCode)
        w.field(timestampMs: r.sourceTimestampMs)
        w.field(Int64(bitPattern: r.qualityChecked))
        w.field(Int64(bitPattern: r.qualityFailed))
        w.endRow()
    }

    static func decode(_ result: PGResult, _ i: Int) throws -> StandardRecord {
        func int(_ c: Int) -> Int64? { result.value(i, c).flatMap { Int64($0) } }
        func day(_ c: Int) -> Int32? {
            result.value(i, c).flatMap(CalendarDate.init(iso:)).map { Int32($0.daysSinceEpoch) }
        }
        guard let type = result.value(i, 0).flatMap(RecordType.init(rawValue:)) else {
            throw PGError(message: "unknown record type in current_state")
        }
        let position = SourcePosition(topic: result.value(i, 5) ?? "", partition: Int32(int(6) ?? 0),
                                      offset: int(7) ?? 0, row: Int32(int(8) ?? 0))
        var record = StandardRecord(
            type: type, key: result.value(i, 1) ?? "", schoolCode: result.value(i, 2) ?? "",
            countyCode: result.value(i, 3) ?? "", updatedAtMicros: int(4) ?? 0, position: position,
            gender: int(9).map { Int16($0) }, grade: int(10).map { Int16($0) }, status: int(11).map { Int16($0) },
            day: day(12), className: result.value(i, 13), expected: int(14), present: int(15),
            birthDay: day(16), localIdCode: result.value(i, 17))
        record.qualityChecked = UInt64(bitPattern: int(19) ?? 0)
        record.qualityFailed = UInt64(bitPattern: int(20) ?? 0)
        return record
    }
}
