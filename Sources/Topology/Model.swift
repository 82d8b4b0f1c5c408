import HubCore

/// Everything the data stewards describe: the streams (one per raw record type), the code
/// tables their dialects map through, and the aggregates published from them.
public struct Topology: Sendable {
    public var streams: [StreamDefinition]
    public var codeTables: [String: CodeTable]
    /// The files it was loaded from, for messages and the catalog.
    public var files: [String]
    /// Batch task DAGs run by the scheduler (`dags:` in any file).
    public var dags: [DAGDefinition] = []
    /// Names of the province, its cities and counties (`regions:`, GB/T 2260); may be empty.
    public var regions = RegionDirectory()
    /// School stages as the registry spells them (`school_stages:`), for per-stage thresholds.
    public var schoolStages: [SchoolStage] = []
    /// Education business monitoring scenarios (`scenarios:`), in file order.
    public var scenarios: [ScenarioDefinition] = []

    public func scenario(_ name: String) -> ScenarioDefinition? { scenarios.first { $0.name == name } }

    public func dag(_ name: String) -> DAGDefinition? { dags.first { $0.name == name } }

    public func stream(forSourceTopic topic: String) -> StreamDefinition? {
        streams.first { $0.sourceTopic == topic }
    }

    public func stream(for type: RecordType) -> StreamDefinition? {
        streams.first { $0.recordType == type }
    }
}

/// One raw record type's path: its raw topic, its standard fields, the dialects that map
/// onto them, its standard-zone topic, and the aggregates published from its current state.
public struct StreamDefinition: Sendable {
    public var name: String
    public var description: String
    public var owner: String
    public var recordType: RecordType
    public var sourceTopic: String
    public var outputTopic: String
    /// The standard fields in the order their checks run.
    public var fields: [FieldDefinition]
    /// Dialects in the order they are tried; a record's dialect is the first whose
    /// school-code field it carries (SPEC §2).
    public var dialects: [Dialect]
    public var aggregates: [AggregateDefinition]
    /// Data-quality monitors, in declaration order (a monitor's bit in the quality masks).
    public var monitors: [MonitorDefinition] = []
    public var file: String

    public func field(_ name: String) -> FieldDefinition? { fields.first { $0.name == name } }
}

/// What a standard field is, and so how it is checked.
public enum FieldKind: String, Sendable, CaseIterable {
    /// The school code, looked up in the versioned registry (`unknown_school`).
    case school
    /// An ID number checked by GB 11643 (`invalid_id_number`) and turned into the person code.
    case idNumber = "id_number"
    /// Personal data that never leaves Transform (e.g. the name): only checked for presence.
    case personal
    /// A value looked up in a code table of the dialect (`invalid_code`).
    case code
    /// A non-negative integer, a JSON integer or a string of digits (`invalid_code`).
    case count
    /// A calendar date in the dialect's layout (`invalid_code`).
    case date
    /// A date-time in the dialect's layout, the record's *updated at* (`invalid_code`).
    case timestamp
    /// Free text, trimmed.
    case text
    /// An identifier kept only as a keyed pseudonym (e.g. the student registry number).
    case pseudonym
}

/// A standard field: its name in the standard form, its kind, and whether it is required.
public struct FieldDefinition: Sendable {
    public var name: String
    public var kind: FieldKind
    public var required: Bool
    public var meaning: String
    /// For `.code` fields: the code list the dialects' tables must map into.
    public var domain: String?
    /// For `.count` fields: the largest plausible value (`max:`); a larger one is
    /// `invalid_code`, so sums stay far from what 64 bits hold.
    public var maximum: Int64?
}

/// How one dialect spells the standard fields.
public struct Dialect: Sendable {
    public var name: String
    public var mappings: [String: FieldMapping]
    /// The raw field name of the school code: its presence selects this dialect.
    public var schoolField: String
}

/// Where a standard field comes from in one dialect, and how its value is read.
public struct FieldMapping: Sendable {
    public var from: String
    public var codes: CodeTable?
    public var format: DateTimePattern?
}

/// A code table: dialect values to standard codes.
public struct CodeTable: Sendable {
    public enum Match: String, Sendable {
        /// The trimmed text must equal a key exactly (a JSON integer is its decimal text).
        case exact
        /// The value is read as a non-negative integer (JSON integer or string of digits,
        /// leading zeros allowed) and looked up by its number.
        case integer
    }

    public var name: String
    public var match: Match
    public var entries: [String: Int16] { didSet { exactKeys = ExactKeys(entries) } }
    /// The keys by their bytes, tried before the dictionary (see ``ExactKeys``).
    private var exactKeys: ExactKeys

    public init(name: String, match: Match, entries: [String: Int16]) {
        self.name = name
        self.match = match
        self.entries = entries
        exactKeys = ExactKeys(entries)
    }

    public func code(for text: String) -> Int16? {
        switch match {
        case .exact:
            if let code = exactKeys.code(forBytesOf: text) { return code }
            // Not byte for byte: a canonically equivalent spelling still matches, as String
            // equality has it.
            return entries[text]
        case .integer:
            guard let n = CodeTable.nonNegativeInteger(text) else { return nil }
            return entries[String(n)]
        }
    }

    /// A string of ASCII digits (at most 18) as a number.
    public static func nonNegativeInteger(_ text: String) -> Int64? {
        var v: Int64 = 0
        var n = 0
        for b in text.utf8 {
            guard b >= 0x30, b <= 0x39, n < 18 else { return nil }
            v = v * 10 + Int64(b - 0x30)
            n += 1
        }
        return n > 0 ? v : nil
    }
}

/// A code table's keys as UTF-8 bytes, searched by length and bytes. Swift hashes and
/// compares a non-ASCII `String` through Unicode normalisation, so a dictionary lookup of
/// "男" or "在读" was the most expensive step of reading a code (8 % of standardisation); a
/// table holds a few dozen short keys at most.
struct ExactKeys: Sendable {
    private let keys: [[UInt8]]
    private let codes: [Int16]

    init(_ entries: [String: Int16]) {
        let sorted = entries.sorted { $0.key.utf8.count < $1.key.utf8.count }
        keys = sorted.map { Array($0.key.utf8) }
        codes = sorted.map(\.value)
    }

    /// The code of the key whose bytes equal `text`'s; nil when none does (or the text is not
    /// stored contiguously, which a Swift-native string always is).
    func code(forBytesOf text: String) -> Int16? {
        let found: Int16?? = text.utf8.withContiguousStorageIfAvailable { bytes in
            for (i, key) in keys.enumerated() where key.count == bytes.count {
                var same = true
                for (a, b) in zip(key, bytes) where a != b {
                    same = false
                    break
                }
                if same { return codes[i] }
            }
            return nil
        }
        return found ?? nil
    }
}

/// A published aggregate table maintained from a stream's current state (SPEC §5).
public struct AggregateDefinition: Sendable {
    public enum Measure: Sendable, Hashable {
        /// The number of entities that pass the filter.
        case count
        /// The sum of a count field over the entities that pass the filter.
        case sum(String)
    }

    public var table: String
    public var description: String
    /// The record type whose current state feeds this aggregate.
    public var recordType: RecordType
    public var levels: [RegionLevel]
    /// Only entities whose code field has one of these codes count, e.g. `status: [1]`.
    public var filter: [(field: String, codes: [Int16])]
    /// Output column ← standard field, e.g. `grade_code ← grade`.
    public var groupBy: [(column: String, field: String)]
    public var measures: [(column: String, measure: Measure)]
}
