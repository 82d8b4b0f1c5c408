import HubCore

/// One record split out of a message value: parsed fields, or a record-level `malformed`.
///
/// A malformed record never affects its neighbours in the same value (SPEC §4).
public enum DecodedRecord: Sendable, Hashable {
    /// A record whose fields were parsed.
    case record(RawRecord)
    /// A record that cannot be parsed: an ndjson line that is not a JSON object, a CSV row
    /// with the wrong number of fields or broken quoting, duplicate field names. `row` follows
    /// ``HubCore/RawRecord/row``; `text` holds the record's raw text (UTF-8) for the
    /// quarantine; `detail` is a short reason without record content.
    case malformed(row: Int32, detail: String, text: [UInt8])
}
