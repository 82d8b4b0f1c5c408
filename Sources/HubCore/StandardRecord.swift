/// A record of the standard zone (SPEC §3): codes instead of dialect values, a person code
/// instead of the ID number, no name, and the school's county from the versioned registry.
///
/// One type serves the three record types; fields that a type does not have are nil.
/// `key` is the entity key: the person code for students and teachers, and
/// `school|date|grade|class` for attendance.
public struct StandardRecord: Sendable, Hashable {
    public var type: RecordType
    public var key: String
    public var schoolCode: String
    public var countyCode: String
    /// Event time, microseconds since the epoch, UTC.
    public var updatedAtMicros: Int64
    /// Where the raw record came from; orders versions with equal `updatedAtMicros`.
    public var position: SourcePosition
    public var gender: Int16?
    public var grade: Int16?
    public var status: Int16?
    /// Attendance day, as days since 1970-01-01.
    public var day: Int32?
    public var className: String?
    public var expected: Int64?
    public var present: Int64?
    /// Birth date as days since 1970-01-01, when the record carried a valid one.
    public var birthDay: Int32?
    /// Pseudonym of the student registry number / teacher staff number, when present.
    public var localIdCode: String?
    /// Set when this version comes from a quarantine replay.
    public var replayed: Bool
    /// The raw message's Kafka timestamp (ms), for latency measurement and lineage.
    public var sourceTimestampMs: Int64
    /// Per-record quality monitors of the stream (bit i = the stream's monitor i) that
    /// checked this record, and those that found a defect (a subset).
    public var qualityChecked: UInt64 = 0
    public var qualityFailed: UInt64 = 0

    /// The day quality results are counted on: the attendance day, otherwise the Beijing
    /// (UTC+8) calendar day of *updated at*; days since 1970-01-01.
    public var qualityDay: Int32 {
        day ?? CalendarDate.dayNumber(epochSeconds: updatedAtMicros / 1_000_000)
    }

    public init(type: RecordType, key: String, schoolCode: String, countyCode: String, updatedAtMicros: Int64,
                position: SourcePosition, gender: Int16? = nil, grade: Int16? = nil, status: Int16? = nil,
                day: Int32? = nil, className: String? = nil, expected: Int64? = nil, present: Int64? = nil,
                birthDay: Int32? = nil, localIdCode: String? = nil, replayed: Bool = false, sourceTimestampMs: Int64 = 0) {
        self.type = type
        self.key = key
        self.schoolCode = schoolCode
        self.countyCode = countyCode
        self.updatedAtMicros = updatedAtMicros
        self.position = position
        self.gender = gender
        self.grade = grade
        self.status = status
        self.day = day
        self.className = className
        self.expected = expected
        self.present = present
        self.birthDay = birthDay
        self.localIdCode = localIdCode
        self.replayed = replayed
        self.sourceTimestampMs = sourceTimestampMs
    }

    /// A numeric standard field by its standard name (codes, counts, days since the epoch).
    public func number(_ field: String) -> Int64? {
        switch field {
        case "gender": return gender.map(Int64.init)
        case "grade": return grade.map(Int64.init)
        case "status": return status.map(Int64.init)
        case "date": return day.map(Int64.init)
        case "birth_date": return birthDay.map(Int64.init)
        case "expected": return expected
        case "present": return present
        default: return nil
        }
    }

    /// The total order of versions of one entity (SPEC §4): later *updated at* wins; equal
    /// times are ordered by source position (partition, offset, row), so the outcome does not
    /// depend on arrival order and a redelivered copy is equal, not newer.
    public var version: Version {
        Version(updatedAtMicros: updatedAtMicros, partition: position.partition, offset: position.offset, row: position.row)
    }

    public struct Version: Sendable, Hashable, Comparable {
        public var updatedAtMicros: Int64
        public var partition: Int32
        public var offset: Int64
        public var row: Int32

        public init(updatedAtMicros: Int64, partition: Int32, offset: Int64, row: Int32) {
            self.updatedAtMicros = updatedAtMicros
            self.partition = partition
            self.offset = offset
            self.row = row
        }

        public static func < (a: Version, b: Version) -> Bool {
            (a.updatedAtMicros, a.partition, a.offset, a.row) < (b.updatedAtMicros, b.partition, b.offset, b.row)
        }
    }

    static let version: UInt8 = 2

    public func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 160)
        w.byte(Self.version)
        w.string(type.rawValue)
        w.string(key)
        w.string(schoolCode)
        w.string(countyCode)
        w.signed(updatedAtMicros)
        w.string(position.topic)
        w.signed(Int64(position.partition))
        w.signed(position.offset)
        w.signed(Int64(position.row))
        w.optionalSigned(gender.map(Int64.init))
        w.optionalSigned(grade.map(Int64.init))
        w.optionalSigned(status.map(Int64.init))
        w.optionalSigned(day.map(Int64.init))
        w.optionalString(className)
        w.optionalSigned(expected)
        w.optionalSigned(present)
        w.optionalSigned(birthDay.map(Int64.init))
        w.optionalString(localIdCode)
        w.byte(replayed ? 1 : 0)
        w.signed(sourceTimestampMs)
        w.signed(Int64(bitPattern: qualityChecked))
        w.signed(Int64(bitPattern: qualityFailed))
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws {
        var r = BinaryReader(bytes)
        let wireVersion = try r.byte()
        guard wireVersion == 1 || wireVersion == Self.version else { throw WireFormatError("unknown standard-record version") }
        guard let type = RecordType(rawValue: try r.string()) else { throw WireFormatError("unknown record type") }
        self.type = type
        key = try r.string()
        schoolCode = try r.string()
        countyCode = try r.string()
        updatedAtMicros = try r.signed()
        let topic = try r.string()
        let partition = try r.int32()
        let offset = try r.signed()
        let row = try r.int32()
        position = SourcePosition(topic: topic, partition: partition, offset: offset, row: row)
        func small(_ v: Int64?) throws -> Int16? {
            guard let v else { return nil }
            guard let s = Int16(exactly: v) else { throw WireFormatError("code out of range") }
            return s
        }
        func day(_ v: Int64?) throws -> Int32? {
            guard let v else { return nil }
            guard let s = Int32(exactly: v) else { throw WireFormatError("day out of range") }
            return s
        }
        gender = try small(try r.optionalSigned())
        grade = try small(try r.optionalSigned())
        status = try small(try r.optionalSigned())
        self.day = try day(try r.optionalSigned())
        className = try r.optionalString()
        expected = try r.optionalSigned()
        present = try r.optionalSigned()
        birthDay = try day(try r.optionalSigned())
        localIdCode = try r.optionalString()
        replayed = try r.byte() == 1
        sourceTimestampMs = try r.signed()
        if wireVersion >= 2 {
            qualityChecked = UInt64(bitPattern: try r.signed())
            qualityFailed = UInt64(bitPattern: try r.signed())
        }
    }
}
