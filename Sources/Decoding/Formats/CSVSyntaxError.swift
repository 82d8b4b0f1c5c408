/// Why a CSV record's quoting is broken (RFC 4180).
enum CSVSyntaxError: Error, Hashable {
    /// A `"` inside a field that does not start with one.
    case quoteInUnquotedField
    /// Something other than a comma or line break right after a closing quote.
    case textAfterClosingQuote
    /// A quoted field still open at the end of the value.
    case unterminatedQuote

    /// A short human reason for a quarantine detail.
    var detail: String {
        switch self {
        case .quoteInUnquotedField: "CSV quote inside an unquoted field"
        case .textAfterClosingQuote: "CSV text after a closing quote"
        case .unterminatedQuote: "CSV quoted field not terminated"
        }
    }
}
