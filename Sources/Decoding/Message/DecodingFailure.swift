import HubCore

/// A whole-value check that failed: the message is quarantined as one unit.
struct DecodingFailure: Error {
    var reason: QuarantineReason
    var detail: String

    static func malformed(_ detail: String) -> DecodingFailure {
        DecodingFailure(reason: .malformed, detail: detail)
    }

    static func tooLarge(_ detail: String) -> DecodingFailure {
        DecodingFailure(reason: .tooLarge, detail: detail)
    }

    /// Header text quoted for a detail, cut short so that a hostile header cannot bloat logs.
    static func quoted(_ text: String) -> String {
        let limit = 64
        let shown = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return "\"" + shown + "\""
    }
}
