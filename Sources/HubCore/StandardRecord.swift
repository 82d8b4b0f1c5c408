/// A record of the standard zone (SPEC §3): codes instead of dialect values, a person code
/// instead of the ID number, no name, and the school's county from the versioned registry.
///
/// One type serves the three record types; fields that a type does not have are nil.
/// `key` is the entity key: the person code for students and teachers, and the SHA-256 of
/// school, date, grade and class for attendance (``attendanceKey(school:day:grade:className:)``).
public struct StandardRecord: Sendable, Hashable {
    public var type: RecordType
    public var key: Digest32
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
    public var localIdCode: Digest32?
    /// Set when this version comes from a quarantine replay.
    public var replayed: Bool
    /// The raw message's Kafka timestamp (ms), for latency measurement and lineage.
    public var sourceTimestampMs: Int64
    /// Per-record quality monitors of the stream (bit i = the stream's monitor i) that
    /// checked this record, and those that found a defect (a subset).
    public var qualityChecked: UInt64 = 0
    public var qualityFailed: UInt64 = 0
    /// The person-code key generation of `key` (students, teachers) and `localIdCode`
    /// (``PersonCodeKeyring``); 1 before any rotation and in earlier wire versions.
    public var keyGeneration: Int = 1
    /// For a person code of generation 2 or later, the partition count the transform routed it
    /// among (by its generation-1 code, which the sink cannot recompute); 0 when the partition
    /// follows from `key` itself.
    public var routedPartitions: Int32 = 0

    /// The day quality results are counted on: the attendance day, otherwise the Beijing
    /// (UTC+8) calendar day of *updated at*; days since 1970-01-01.
    public var qualityDay: Int32 {
        day ?? CalendarDate.dayNumber(epochSeconds: updatedAtMicros / 1_000_000)
    }

    public init(type: RecordType, key: Digest32, schoolCode: String, countyCode: String, updatedAtMicros: Int64,
                position: SourcePosition, gender: Int16? = nil, grade: Int16? = nil, status: Int16? = nil,
                day: Int32? = nil, className: String? = nil, expected: Int64? = nil, present: Int64? = nil,
                birthDay: Int32? = nil, localIdCode: Digest32? = nil, replayed: Bool = false, sourceTimestampMs: Int64 = 0) {
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

    /// Whether this record belongs on `partition` of a std topic with `count` partitions: its
    /// key's partition, or, for a person code of generation 2 or later (routed by its
    /// generation-1 code, which only the transform computes), routed among `count` partitions.
    public func belongs(onPartition partition: Int32, of count: Int32) -> Bool {
        if keyGeneration > 1 && type.hasPersonCode { return routedPartitions == count && partition >= 0 && partition < count }
        return key.partition(of: count) == partition
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

    /// Wire version of a single record (`encoded()`); batches carry the body only. Version 4
    /// added the key generation and the routing partition count at the end of the body.
    public static let version: UInt8 = 4

    /// A self-contained encoding of one record (its source topic included).
    public func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 128)
        w.byte(Self.version)
        w.string(position.topic)
        encodeBody(into: &w)
        return w.bytes
    }

    /// The record without its source topic, which a batch message states once.
    public func encodeBody(into w: inout BinaryWriter) {
        w.byte(type.wireCode)
        w.digest(key)
        w.string(schoolCode)
        w.string(countyCode)
        w.signed(updatedAtMicros)
        w.signed(Int64(position.partition))
        w.signed(position.offset)
        w.signed(Int64(position.row))
        var flags: UInt16 = 0
        if gender != nil { flags |= 1 }
        if grade != nil { flags |= 2 }
        if status != nil { flags |= 4 }
        if day != nil { flags |= 8 }
        if className != nil { flags |= 16 }
        if expected != nil { flags |= 32 }
        if self.present != nil { flags |= 64 }
        if birthDay != nil { flags |= 128 }
        if localIdCode != nil { flags |= 256 }
        if replayed { flags |= 512 }
        w.unsigned(UInt64(flags))
        if let gender { w.signed(Int64(gender)) }
        if let grade { w.signed(Int64(grade)) }
        if let status { w.signed(Int64(status)) }
        if let day { w.signed(Int64(day)) }
        if let className { w.string(className) }
        if let expected { w.signed(expected) }
        if let present = self.present { w.signed(present) }
        if let birthDay { w.signed(Int64(birthDay)) }
        if let localIdCode { w.digest(localIdCode) }
        w.signed(sourceTimestampMs)
        w.unsigned(qualityChecked)
        w.unsigned(qualityFailed)
        w.unsigned(UInt64(clamping: keyGeneration))
        w.unsigned(UInt64(clamping: routedPartitions))
    }

    /// Reads what ``encoded()`` wrote, or a record of the earlier wire versions 1 and 2
    /// (hex person codes, composite attendance keys) or 3 (no key generation), still readable
    /// during an upgrade.
    public init(decoding bytes: [UInt8]) throws {
        var r = BinaryReader(bytes)
        let wireVersion = try r.byte()
        switch wireVersion {
        case 3, Self.version:
            let topic = try r.string()
            try self.init(body: &r, topic: topic, bodyVersion: wireVersion)
        case 1, 2:
            try self.init(legacy: &r, wireVersion: wireVersion)
        default:
            throw WireFormatError("unknown standard-record version")
        }
    }

    /// Reads one record body written by ``encodeBody(into:)`` (`bodyVersion` 4), or by wire
    /// version 3, which ends before the key generation (generation 1).
    public init(body r: inout BinaryReader, topic: String, bodyVersion: UInt8 = StandardRecord.version) throws {
        // Read into locals and initialised once at the end: assigning the stored properties one
        // by one between throwing reads made the compiler build the record twice and copy it
        // into place (a retain per string and a destroy), for every record the sink decodes.
        guard let type = RecordType(wireCode: try r.byte()) else { throw WireFormatError("unknown record type") }
        let key = try r.digest()
        let schoolCode = try r.string()
        let countyCode = try r.string()
        let updatedAtMicros = try r.signed()
        let partition = try r.int32()
        let offset = try r.signed()
        let row = try r.int32()
        guard let flags = UInt16(exactly: try r.unsigned()) else { throw WireFormatError("bad presence bits") }
        let gender = flags & 1 != 0 ? try Self.small(try r.signed()) : nil
        let grade = flags & 2 != 0 ? try Self.small(try r.signed()) : nil
        let status = flags & 4 != 0 ? try Self.small(try r.signed()) : nil
        let day = flags & 8 != 0 ? try Self.day(try r.signed()) : nil
        let className = flags & 16 != 0 ? try r.string() : nil
        let expected = flags & 32 != 0 ? try r.signed() : nil
        let present = flags & 64 != 0 ? try r.signed() : nil
        let birthDay = flags & 128 != 0 ? try Self.day(try r.signed()) : nil
        let localIdCode = flags & 256 != 0 ? try r.digest() : nil
        let sourceTimestampMs = try r.signed()
        let checked = try r.unsigned()
        let failed = try r.unsigned()
        var generation = 1
        var routed: Int32 = 0
        if bodyVersion >= 4 {
            guard let g = Int(exactly: try r.unsigned()), (1...PersonCodeKeyring.maxGeneration).contains(g) else {
                throw WireFormatError("key generation out of range")
            }
            generation = g
            guard let n = Int32(exactly: try r.unsigned()) else { throw WireFormatError("routing partition count out of range") }
            routed = n
        }
        self.init(type: type, key: key, schoolCode: schoolCode, countyCode: countyCode, updatedAtMicros: updatedAtMicros,
                  position: SourcePosition(topic: topic, partition: partition, offset: offset, row: row), gender: gender,
                  grade: grade, status: status, day: day, className: className, expected: expected, present: present,
                  birthDay: birthDay, localIdCode: localIdCode, replayed: flags & 512 != 0, sourceTimestampMs: sourceTimestampMs)
        qualityChecked = checked
        qualityFailed = failed
        keyGeneration = generation
        routedPartitions = routed
    }

    private init(legacy r: inout BinaryReader, wireVersion: UInt8) throws {
        guard let type = RecordType(rawValue: try r.string()) else { throw WireFormatError("unknown record type") }
        self.type = type
        key = Self.legacyKey(try r.string())
        schoolCode = try r.string()
        countyCode = try r.string()
        updatedAtMicros = try r.signed()
        let topic = try r.string()
        let partition = try r.int32()
        let offset = try r.signed()
        let row = try r.int32()
        position = SourcePosition(topic: topic, partition: partition, offset: offset, row: row)
        gender = try r.optionalSigned().map(Self.small)
        grade = try r.optionalSigned().map(Self.small)
        status = try r.optionalSigned().map(Self.small)
        day = try r.optionalSigned().map(Self.day)
        className = try r.optionalString()
        expected = try r.optionalSigned()
        present = try r.optionalSigned()
        birthDay = try r.optionalSigned().map(Self.day)
        localIdCode = try r.optionalString().map(Self.legacyKey)
        replayed = try r.byte() == 1
        sourceTimestampMs = try r.signed()
        if wireVersion >= 2 {
            qualityChecked = UInt64(bitPattern: try r.signed())
            qualityFailed = UInt64(bitPattern: try r.signed())
        }
    }

    /// A key of wire versions 1–2: a hex person code or pseudonym, or an attendance key in
    /// its composite text form (hashed as the current standardiser hashes it).
    static func legacyKey(_ text: String) -> Digest32 {
        Digest32(hex: text) ?? Digest32.sha256(Array(text.utf8))
    }

    private static func small(_ v: Int64) throws -> Int16 {
        guard let s = Int16(exactly: v) else { throw WireFormatError("code out of range") }
        return s
    }

    private static func day(_ v: Int64) throws -> Int32 {
        guard let s = Int32(exactly: v) else { throw WireFormatError("day out of range") }
        return s
    }

    /// The entity key of an attendance record: the SHA-256 of its school, day, grade and
    /// class (the class after trimming), separated by U+001F.
    public static func attendanceKey(school: String, day: Int32, grade: Int16, className: String) -> Digest32 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(school.utf8.count + className.utf8.count + 16)
        bytes.append(contentsOf: school.utf8)
        bytes.append(0x1F)
        bytes.append(contentsOf: String(day).utf8)
        bytes.append(0x1F)
        bytes.append(contentsOf: String(grade).utf8)
        bytes.append(0x1F)
        bytes.append(contentsOf: className.utf8)
        return Digest32.sha256(bytes)
    }
}
