/// A value as it arrived in a raw record, before any dialect mapping.
///
/// JSON keeps the distinction between an integer token, another number and a string, because
/// SPEC §2 accepts an integer-valued field "as a JSON integer or a string of digits" but never
/// as a fraction or exponent. CSV values are always `.string`.
public enum RawValue: Sendable, Hashable {
    case null
    case string(String)
    /// A JSON number token without fraction or exponent, e.g. `12` or `-3`, as written.
    case integer(String)
    /// A JSON number token with a fraction or exponent, as written.
    case number(String)
    case bool(Bool)
    /// A JSON array or object, as its compact JSON text.
    case composite(String)
}

/// One named field of a raw record, in arrival order.
public struct RawField: Sendable, Hashable {
    public var name: String
    public var value: RawValue

    public init(name: String, value: RawValue) {
        self.name = name
        self.value = value
    }
}

/// One record split out of a raw Kafka message: a JSON object, an ndjson line or a CSV row.
public struct RawRecord: Sendable, Hashable {
    /// Position within the message value: 0 for a single JSON object, the 1-based line number
    /// for ndjson (blank lines count, so positions are stable), the 1-based data row for CSV.
    public var row: Int32
    public var fields: [RawField]
    /// The record's own text (UTF-8), kept for the quarantine: a slice of the message's
    /// text, so decoding copies no record's bytes (only a quarantined one is copied out).
    public var text: ArraySlice<UInt8>

    public init(row: Int32, fields: [RawField], text: ArraySlice<UInt8>) {
        self.row = row
        self.fields = fields
        self.text = text
    }

    public init(row: Int32, fields: [RawField], text: [UInt8]) {
        self.init(row: row, fields: fields, text: text[...])
    }
}
