import Decoding
import FuzzSupport
import HubCore

/// `text/csv` (RFC 4180).
///
/// Oracles: a valid UTF-8 value is never rejected for its charset; units are numbered 1…n;
/// every record has the header's (unique, trimmed) names; and the records round-trip: written
/// back as CSV with every field quoted (random CRLF/LF line ends), they decode to the same
/// fields — so quoting, doubled quotes and line breaks inside fields are read exactly.
func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let lineEnd: [UInt8] = input.byte() & 1 == 0 ? [0x0D, 0x0A] : [0x0A]
    let value = input.rest()
    let decoded = decodeCSV(value)
    DecodingOracle.checkStructure(decoded, framing: .csv)
    guard case .records(let units) = decoded else {
        if case .rejected(_, let detail) = decoded, !value.isEmpty, DecodingOracle.isValidUTF8(value) {
            fuzzCheck(detail.hasPrefix("invalid CSV header"), "valid UTF-8 CSV rejected: \(detail)")
        }
        return 0
    }
    fuzzCheck(DecodingOracle.isValidUTF8(value), "invalid UTF-8 accepted")
    let records = units.compactMap { unit -> RawRecord? in
        if case .record(let record) = unit { return record }
        return nil
    }
    guard let first = records.first else { return 0 }
    let names = first.fields.map(\.name)
    fuzzCheck(Set(names).count == names.count, "duplicate header names accepted")
    fuzzCheck(names.allSatisfy { $0 == $0.trimmingASCIIWhitespace() }, "header name not trimmed")

    var rewritten = quotedLine(names, lineEnd)
    for record in records {
        fuzzCheck(record.fields.map(\.name) == names, "record names differ from the header")
        rewritten += quotedLine(record.fields.map(\.value.text), lineEnd)
    }
    guard case .records(let again) = decodeCSV(rewritten) else { fuzzFailure("rewritten CSV rejected") }
    fuzzCheck(again.count == records.count, "rewritten CSV has \(again.count) units, expected \(records.count)")
    for (original, copy) in zip(records, again) {
        guard case .record(let copy) = copy else { fuzzFailure("rewritten row malformed") }
        fuzzCheck(copy.fields.map(\.value.text).map { Array($0.utf8) } == original.fields.map(\.value.text).map { Array($0.utf8) },
                  "values differ after a round trip")
    }
    return 0
}

private func decodeCSV(_ value: [UInt8]) -> DecodedMessage {
    MessageDecoding.decode(value: value, headers: [(name: "content-type", value: Array("text/csv".utf8))])
}

private func quotedLine(_ fields: [String], _ lineEnd: [UInt8]) -> [UInt8] {
    var line: [UInt8] = []
    for (index, field) in fields.enumerated() {
        if index > 0 { line.append(UInt8(ascii: ",")) }
        line.append(UInt8(ascii: "\""))
        for byte in field.utf8 {
            if byte == UInt8(ascii: "\"") { line.append(byte) }
            line.append(byte)
        }
        line.append(UInt8(ascii: "\""))
    }
    return line + lineEnd
}

extension RawValue {
    var text: String {
        if case .string(let text) = self { return text }
        fuzzFailure("a CSV value that is not a string")
    }
}
