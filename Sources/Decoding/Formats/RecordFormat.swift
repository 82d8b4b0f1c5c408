/// One way of splitting a value (already UTF-8) into records, chosen by media type (SPEC §2).
///
/// Adding a format is adding a type that conforms and listing it in ``RecordFormats``.
protocol RecordFormat {
    /// The media type essence this format handles, lower case, e.g. `text/csv`.
    static var mediaType: String { get }

    /// Splits a whole value into records. Record-level problems become
    /// ``DecodedRecord/malformed(row:detail:text:)``; only a problem that spoils the whole
    /// value throws.
    static func records(in text: [UInt8]) throws(DecodingFailure) -> [DecodedRecord]
}

/// The registry of known record formats.
enum RecordFormats {
    static var all: [any RecordFormat.Type] {
        [SingleObjectFormat.self, NDJSONFormat.self, CSVFormat.self]
    }

    /// The format for a lower-case media type essence; nil if it is unknown.
    static func format(for essence: String) -> (any RecordFormat.Type)? {
        all.first { $0.mediaType == essence }
    }
}
