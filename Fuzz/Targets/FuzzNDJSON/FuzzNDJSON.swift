import Decoding
import FuzzSupport
import HubCore

/// `application/x-ndjson`: one record per line.
///
/// Oracle, computed here from the bytes alone: a value that is valid UTF-8 (standard
/// library's check) decodes into exactly one unit per non-blank line — a record or a malformed
/// unit, in line order, its row the line's 1-based number — and nothing else; a malformed unit
/// keeps its line's text (without the CR of a CRLF), a record's text lies within its line.
func fuzzNDJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let value = input.rest()
    let header = [(name: "content-type", value: Optional(Array("application/x-ndjson".utf8)))]
    let decoded = MessageDecoding.decode(value: value, headers: header)
    DecodingOracle.checkStructure(decoded, framing: .lines)

    let valid = !value.isEmpty && DecodingOracle.isValidUTF8(value)
    guard case .records(let units) = decoded else {
        fuzzCheck(!valid, "valid UTF-8 ndjson rejected as a whole")
        return 0
    }
    fuzzCheck(valid, "invalid UTF-8 or empty value accepted")
    let lines = DecodingOracle.nonBlankLines(DecodingOracle.droppingBOM(value))
    fuzzCheck(units.count == lines.count, "\(units.count) units for \(lines.count) non-blank lines")
    for (unit, line) in zip(units, lines) {
        fuzzCheck(unit.row == line.row, "unit at row \(unit.row), line \(line.row)")
        switch unit {
        case .malformed(_, _, let text):
            fuzzCheck(text.elementsEqual(line.content), "malformed text is not its line")
        case .record(let record):
            fuzzCheck(!record.text.isEmpty && line.content.containsRun(record.text), "record text not within its line")
            fuzzCheck(record.text.first == UInt8(ascii: "{") && record.text.last == UInt8(ascii: "}"), "record text is not an object")
        }
    }
    return 0
}
