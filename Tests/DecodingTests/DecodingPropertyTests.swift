import Decoding
import Glibc
import HubCore
import PropertyBased
import Testing
import Zstd

/// Properties of the decoders over generated values: every ndjson line and CSV row the
/// generator wrote is accounted for exactly once (a record with the fields written, or a
/// malformed unit at its row), whatever the framing, compression or charset; a whole-value
/// failure is one unit at row 0; arbitrary bytes and headers never trap. The expected units
/// come from the generator, not from the decoder. A failure prints the seed; adding
/// `.fixedSeed("…")` to the test replays exactly that case.
@Suite("Decoding properties")
struct DecodingPropertyTests {
    // MARK: ndjson

    /// What the generator put on one line, and so what must come out of it.
    enum LineKind: Int, CaseIterable, Sendable {
        case object, blank, whitespace, garbage, notAnObject, duplicateName, truncated
    }

    struct NDJSONCase: Sendable, CustomStringConvertible {
        /// Each line: its kind, its text, and for an object its fields and the object's own text.
        var lines: [(kind: LineKind, text: String, fields: [RawField], object: String)]
        var crlf: Bool
        var finalLineEnd: Bool
        var value: [UInt8] {
            let end = crlf ? "\r\n" : "\n"
            let body = lines.map(\.text).joined(separator: end)
            return Array((body + (finalLineEnd && !lines.isEmpty ? end : "")).utf8)
        }
        var description: String { String(decoding: value, as: UTF8.self).debugDescription }

        /// The units the decoder must give: one per line that is not blank, in order; an empty
        /// value is a whole-value `malformed`.
        var expected: DecodedMessage {
            if value.isEmpty { return .rejected(reason: .malformed, detail: "zero-length value") }
            var units: [DecodedRecord] = []
            for (index, line) in lines.enumerated() {
                let row = Int32(index + 1)
                switch line.kind {
                case .blank, .whitespace: continue
                case .object: units.append(.record(RawRecord(row: row, fields: line.fields, text: Array(line.object.utf8))))
                case .garbage, .notAnObject, .duplicateName, .truncated:
                    // The unit keeps its line's text; a CR left at its end (the whitespace kind is
                    // never malformed) cannot occur.
                    units.append(.malformed(row: row, detail: "", text: Array(line.text.utf8)))
                }
            }
            return .records(units)
        }
    }

    /// Field values that exercise JSON escapes and non-ASCII text.
    static let valuePieces = ["a", "学校", "\"", "\\", "/", "\t", "\u{0000}", "\u{001F}", "😀", " ", "\u{3000}", "x,y", "\u{2028}", "é"]

    static let ndjsonCases = zip(
        zip(Gen.int(in: 0...(LineKind.allCases.count - 1)), Gen.int(in: 0...13).array(of: 0...5), Gen.int(in: 0...3))
            .array(of: 0...25),
        Gen.bool, Gen.bool
    ).map { specs, crlf, finalLineEnd in
        let lines = specs.map { kindIndex, pieces, variant -> (kind: LineKind, text: String, fields: [RawField], object: String) in
            let kind = LineKind.allCases[kindIndex]
            let fields = pieces.enumerated().map { index, piece in
                RawField(name: "f\(index)", value: variant == 1 && piece % 3 == 0 ? .integer(String(piece * 7 - 20))
                    : .string(Self.valuePieces[piece] + Self.valuePieces[(piece + variant) % Self.valuePieces.count]))
            }
            let padding = [" ", "", "\t", "  "][variant]
            let object = JSONText.object(fields)
            switch kind {
            case .object: return (kind, padding + object + padding, fields, object)
            case .blank: return (kind, "", [], "")
            case .whitespace: return (kind, [" ", "\t", " \u{0B}\u{0C} ", "\r"][variant], [], "")
            case .garbage: return (kind, ["x", "{'a':1}", "{\"a\":1,}", "nul"][variant] + object, [], "")
            case .notAnObject: return (kind, ["[1,2]", "\"s\"", "12", "null"][variant], [], "")
            case .duplicateName: return (kind, "{\"a\":1,\"b\":" + object + ",\"a\":2}", [], "")
            case .truncated: return (kind, String(object.dropLast()) + ["", ",", ":", "\""][variant], [], "")
            }
        }
        return NDJSONCase(lines: lines, crlf: crlf, finalLineEnd: finalLineEnd)
    }

    @Test("every ndjson line is one record or one malformed unit at its line number; blank lines none")
    func ndjsonLinesAccountedOnce() async {
        await propertyCheck(count: 500, input: Self.ndjsonCases) { testCase in
            let decoded = MessageDecoding.decode(value: testCase.value, headers: Self.headers("application/x-ndjson"))
            #expect(Self.withoutDetails(decoded) == testCase.expected)
        }
    }

    @Test("the same ndjson compressed with zstd, or in GB18030, gives the same units")
    func ndjsonThroughZstdAndGB18030() async {
        await propertyCheck(count: 200, input: zip(Self.ndjsonCases, Gen.bool)) { testCase, withSize in
            let plain = MessageDecoding.decode(value: testCase.value, headers: Self.headers("application/x-ndjson"))
            // GB18030 encodes every Unicode scalar, so the same text gives the same records.
            let gb = try #require(GB18030Text.encode(testCase.value))
            let gbDecoded = MessageDecoding.decode(value: gb, headers: Self.headers("application/x-ndjson; charset=gb18030"))
            #expect(gbDecoded == plain)
            // An empty value is malformed as stored; compressed, its content is just empty.
            guard !testCase.value.isEmpty else { return }
            let compressed = try Zstd.compress(testCase.value, level: 1, includeContentSize: withSize)
            let zstd = MessageDecoding.decode(value: compressed, headers: Self.headers("application/x-ndjson", encoding: "zstd"))
            #expect(zstd == plain)
        }
    }

    // MARK: CSV

    /// Field contents that need quoting (commas, quotes, CR, LF, CRLF) or not, and spaces that
    /// must be kept in values.
    static let csvPieces = ["a", "学", ",", "\"", "\r", "\n", "\r\n", " ", "\"\"", "x y", "", "'", ";", "\t"]

    struct CSVCase: Sendable, CustomStringConvertible {
        var names: [String]
        /// Each row's values, and whether it was written with a field too many or too few.
        var rows: [(values: [String], wrongCount: Bool)]
        var crlf: Bool
        var quoteAll: Bool
        var finalLineEnd: Bool

        var value: [UInt8] {
            let end = crlf ? "\r\n" : "\n"
            // Header names get padding, which the decoder trims.
            var lines = [CSVText.line(names.map { " " + $0 + "\t" }, quoteAll: quoteAll)]
            for row in rows {
                let values = row.wrongCount ? (row.values.count % 2 == 0 ? row.values + ["extra"] : Array(row.values.dropLast())) : row.values
                lines.append(CSVText.line(values, quoteAll: quoteAll))
            }
            return Array((lines.joined(separator: end) + (finalLineEnd ? end : "")).utf8)
        }
        var description: String { String(decoding: value, as: UTF8.self).debugDescription }

        /// One unit per written row, numbered 1…n — except a row written as an empty line (one
        /// empty unquoted field), which the reader skips as it skips every empty line.
        var expected: [DecodedRecord] {
            var units: [DecodedRecord] = []
            var row: Int32 = 0
            for written in rows {
                let values = written.wrongCount ? (written.values.count % 2 == 0 ? written.values + ["extra"] : Array(written.values.dropLast())) : written.values
                if CSVText.line(values, quoteAll: quoteAll).isEmpty { continue }
                row += 1
                let text = Array(CSVText.line(values, quoteAll: quoteAll).utf8)
                if written.wrongCount {
                    units.append(.malformed(row: row, detail: "", text: text))
                } else {
                    let fields = zip(names, values).map { RawField(name: $0, value: .string($1)) }
                    units.append(.record(RawRecord(row: row, fields: fields, text: text)))
                }
            }
            return units
        }
    }

    static let csvCases = zip(
        Gen.int(in: 1...5),
        zip(Gen.int(in: 0...13).array(of: 0...3).array(of: 5), Gen.int(in: 0...9)).array(of: 0...15),
        Gen.bool, Gen.bool, Gen.bool
    ).map { width, rowSpecs, crlf, quoteAll, finalLineEnd in
        let names = (0..<width).map { ["XXBSM", "school_code", "学校代码", "a,b", "say \"hi\""][$0] + String($0) }
        let rows = rowSpecs.map { cells, variant -> (values: [String], wrongCount: Bool) in
            let values = (0..<width).map { column in cells[column].map { Self.csvPieces[$0] }.joined() }
            return (values, variant == 0 && width > 1)
        }
        return CSVCase(names: names, rows: rows, crlf: crlf, quoteAll: quoteAll, finalLineEnd: finalLineEnd)
    }

    @Test("every CSV row is one record (fields round-trip) or one malformed unit, rows numbered 1…n")
    func csvRowsAccountedOnce() async {
        await propertyCheck(count: 500, input: Self.csvCases) { testCase in
            let decoded = MessageDecoding.decode(value: testCase.value, headers: Self.headers("text/csv"))
            #expect(Self.withoutDetails(decoded) == .records(testCase.expected))
        }
    }

    // MARK: Arbitrary bytes and headers

    /// Bytes the grammars are made of, bytes that break UTF-8 or GB18030, and zstd's magic.
    static let hostileBytes: [UInt8] = Array("{}[]\",:\\\r\n tfn0123456789-.eEu".utf8)
        + [0x00, 0x0B, 0x7F, 0x80, 0xC3, 0xA9, 0xE5, 0xAD, 0xA6, 0xEF, 0xBB, 0xBF, 0xFF, 0x81, 0x30, 0x84, 0x28, 0xB5, 0x2F, 0xFD]

    /// A header as a producer may send it: a meaningful name in any case, or any name; a known
    /// value, null, or any bytes.
    static func header(name: Int, value: Int, bytes: [UInt8]) -> (name: String, value: [UInt8]?) {
        let names = ["content-type", "Content-Type", "CONTENT-ENCODING", "content-encoding", "content_type", "x-other", "",
                     "Content-Type ", "content-type", "charset"]
        let values: [String?] = [
            "application/json", "application/x-ndjson", "text/csv", "text/csv; charset=gbk", "application/x-ndjson;charset=GB18030",
            "zstd", "identity", "text/csv; charset=latin1", "text/html", "application/json; charset=\"utf-8\"", nil, "", " ZSTD ",
            "text/csv;;", "application/x-ndjson ; charset = utf-8",
        ]
        let headerValue: [UInt8]? = value < values.count ? values[value].map { Array($0.utf8) } : bytes
        return (name: names[name % names.count], value: headerValue)
    }

    static func message(choices: [Int], headers: [(name: String, value: [UInt8]?)], limitChoice: Int, isNull: Bool) -> MessageCase {
        let value: [UInt8]? = isNull ? nil : choices.map { choice -> UInt8 in
            choice < Self.hostileBytes.count ? Self.hostileBytes[choice] : UInt8(truncatingIfNeeded: choice - Self.hostileBytes.count)
        }
        let limits = [DecodingLimits(), DecodingLimits(maxValueBytes: 50), DecodingLimits(maxDecompressedBytes: 10),
                      DecodingLimits(maxValueBytes: 0, maxDecompressedBytes: 0), DecodingLimits(maxDecompressedBytes: 200)][limitChoice]
        return MessageCase(value: value, headers: headers, limits: limits)
    }

    static let headerGen = zip(Gen.int(in: 0...9), Gen.int(in: 0...16), Gen.uint8(in: 0...255).array(of: 0...12))
        .map { name, value, bytes in Self.header(name: name, value: value, bytes: bytes) }

    static let messageGen = zip(
        Gen.int(in: 0...(Self.hostileBytes.count + 255)).array(of: 0...200),
        Self.headerGen.array(of: 0...3),
        Gen.int(in: 0...4), Gen.bool
    ).map { choices, headers, limitChoice, isNull in
        Self.message(choices: choices, headers: headers, limitChoice: limitChoice, isNull: isNull)
    }

    struct MessageCase: Sendable, CustomStringConvertible {
        var value: [UInt8]?
        var headers: [(name: String, value: [UInt8]?)]
        var limits: DecodingLimits
        var description: String {
            "value \(value.map { "\($0)" } ?? "null"), headers \(headers.map { "\($0.name)=\($0.value.map { "\($0)" } ?? "null")" }), limits \(limits)"
        }
    }

    @Test("any bytes with any headers: one whole-value unit, or units in increasing rows that cover the lines; never a trap")
    func anyBytesAnyHeaders() async {
        await propertyCheck(count: 1_000, input: Self.messageGen) { message in
            let decoded = MessageDecoding.decode(value: message.value, headers: message.headers, limits: message.limits)
            switch decoded {
            case .rejected(let reason, let detail):
                // One unit at row 0 for the whole value, with a reason SPEC allows there.
                #expect(reason == .malformed || reason == .tooLarge)
                #expect(!detail.isEmpty && detail.utf8.count <= 256)
                #expect(!detail.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
            case .records(let units):
                let rows = units.map(\.row)
                #expect(rows == rows.sorted() && Set(rows).count == rows.count)
                #expect(!rows.contains(0) || (units.count == 1 && units[0].rawRecord != nil))
                // An ndjson value (the last content-type header decides) has one unit per non-blank line.
                let contentType = message.headers.last { $0.name.lowercased() == "content-type" }?.value
                let encoding = message.headers.last { $0.name.lowercased() == "content-encoding" }?.value
                if contentType == Array("application/x-ndjson".utf8), encoding == nil, let value = message.value {
                    #expect(rows == Self.nonBlankLineNumbers(value))
                }
            }
        }
    }

    // MARK: zstd

    @Test("a damaged zstd frame is malformed, too large, or bounded output — the same every time")
    func damagedZstdFrames() async throws {
        let sample = Array(String(repeating: "{\"XXBSM\":\"3133001234\",\"XM\":\"张三\"}\n", count: 40).utf8)
        let frames = [try Zstd.compress(sample, level: 3, includeContentSize: true), try Zstd.compress(sample, level: 3, includeContentSize: false)]
        let damage = zip(Gen.int(in: 0...1), Gen.int(in: 0...10_000).array(of: 1...4), Gen.uint8(in: 1...255), Gen.int(in: 0...3))
        await propertyCheck(count: 500, input: damage) { frameIndex, positions, mask, cut in
            var damaged = frames[frameIndex]
            // Distinct bytes: the same byte flipped twice would be no damage at all.
            let damagedBytes = Set(positions.map { $0 % damaged.count })
            for position in damagedBytes { damaged[position] ^= mask }
            if cut > 0 { damaged.removeLast(min(damaged.count - 1, cut * 3)) }
            let limit = sample.count
            let first = Result { () throws(ZstdError) in try Zstd.decompress(damaged, maxOutput: limit) }
            let second = Result { () throws(ZstdError) in try Zstd.decompress(damaged, maxOutput: limit) }
            #expect(first == second)
            if case .success(let output) = first { #expect(output.count <= limit) }
            // Damage to the magic number (the first four bytes) always leaves no frame.
            if damagedBytes.contains(where: { $0 < 4 }) {
                #expect(Self.isMalformed(first))
            }
            // Through the pipeline the same verdict is one whole-value unit or records.
            let decoded = MessageDecoding.decode(value: damaged, headers: Self.headers("application/x-ndjson", encoding: "zstd"),
                                                 limits: DecodingLimits(maxDecompressedBytes: limit))
            switch first {
            case .failure(.outputTooLarge): #expect(decoded.rejectionReason == .tooLarge)
            case .failure(.malformed): #expect(decoded.rejectionReason == .malformed)
            case .success: #expect(decoded.rejectionReason != .tooLarge)
            }
        }
    }

    // MARK: Helpers

    static func headers(_ contentType: String, encoding: String? = nil) -> [(name: String, value: [UInt8]?)] {
        var headers: [(name: String, value: [UInt8]?)] = [(name: "content-type", value: Array(contentType.utf8))]
        if let encoding { headers.append((name: "content-encoding", value: Array(encoding.utf8))) }
        return headers
    }

    /// The decoded message with malformed details blanked (the properties are about units).
    static func withoutDetails(_ decoded: DecodedMessage) -> DecodedMessage {
        guard case .records(let units) = decoded else { return decoded }
        return .records(units.map { unit in
            if case .malformed(let row, _, let text) = unit { return .malformed(row: row, detail: "", text: text) }
            return unit
        })
    }

    static func isMalformed(_ result: Result<[UInt8], ZstdError>) -> Bool {
        if case .failure(.malformed) = result { return true }
        return false
    }

    /// The 1-based numbers of the lines (LF-separated, CR of a CRLF ignored) holding anything
    /// but ASCII whitespace, after a leading byte-order mark — counted without the decoder.
    static func nonBlankLineNumbers(_ value: [UInt8]) -> [Int32] {
        let text = value.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(value.dropFirst(3)) : value
        var numbers: [Int32] = []
        for (index, line) in text.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
        where line.contains(where: { !($0 == 0x20 || (0x09...0x0D).contains($0)) }) {
            numbers.append(Int32(index + 1))
        }
        return numbers
    }
}

/// JSON text written by the test, independently of the decoder's reader.
enum JSONText {
    static func object(_ fields: [RawField]) -> String {
        "{" + fields.map { string($0.name) + ":" + value($0.value) }.joined(separator: ",") + "}"
    }

    static func value(_ value: RawValue) -> String {
        switch value {
        case .string(let text): string(text)
        case .integer(let text), .number(let text), .composite(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        }
    }

    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "/": out += "\\/"
            case "😀": out += "\\ud83d\\ude00"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// RFC 4180 lines written by the test: a field is quoted when asked or when it must be.
enum CSVText {
    static func line(_ values: [String], quoteAll: Bool) -> String {
        values.map { value in
            let needsQuotes = value.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
            guard quoteAll || needsQuotes else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}

/// UTF-8 to GB18030 through glibc's iconv, to produce test input in that charset.
enum GB18030Text {
    static func encode(_ utf8: [UInt8]) -> [UInt8]? {
        guard let converter = iconv_open("GB18030", "UTF-8"), converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        let capacity = utf8.count * 4 + 4
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            utf8.withUnsafeBufferPointer { source in
                var inPointer = UnsafeMutableRawPointer(mutating: source.baseAddress)?.assumingMemoryBound(to: CChar.self)
                var inLeft = source.count
                var outPointer = UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
                var outLeft = capacity
                failed = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) == -1
                initialized = capacity - outLeft
            }
        }
        return failed ? nil : output
    }
}
