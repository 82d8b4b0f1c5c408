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

    /// Header text quoted for a detail: cut short so a hostile header cannot bloat logs and
    /// rows, and reduced to what a media type is written with, so it carries no content:
    /// ASCII letters, digits and `/-+.=; `; anything else (control characters, quotes,
    /// non-ASCII, a NUL) shows as `?`, and a run of six or more digits (an ID number) as `#`.
    static func quoted(_ text: String) -> String {
        let limit = 64
        var shown: [UInt8] = []
        var digits = 0
        for b in text.utf8.prefix(limit) {
            let isDigit = b >= 0x30 && b <= 0x39
            let isLetter = (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A
            digits = isDigit ? digits + 1 : 0
            if digits == 6 {
                shown.removeLast(5)
                shown.append(UInt8(ascii: "#"))
            } else if digits < 6 {
                shown.append(isDigit || isLetter || Array("/-+.=; ".utf8).contains(b) ? b : UInt8(ascii: "?"))
            }
        }
        return "\"" + String(decoding: shown, as: UTF8.self) + (text.utf8.count > limit ? "…" : "") + "\""
    }
}
