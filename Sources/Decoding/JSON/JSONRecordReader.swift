import HubCore

/// A strict RFC 8259 reader for one record: a JSON object whose members become ``RawField``s.
///
/// Hand-written over bytes because decoding throughput matters (JSONSerialization is far
/// slower and loses the integer/number distinction). The input must already be valid UTF-8.
/// Field values map as SPEC §2 needs them: strings unescaped, numbers kept as written
/// (`.integer` without fraction or exponent, else `.number`), arrays and objects as compact
/// JSON text. Duplicate member names in any object, nesting deeper than ``maxDepth``, leading
/// zeros, trailing commas, comments, lone surrogates and raw control characters are rejected.
struct JSONRecordReader {
    /// The deepest nesting accepted; the record's own object is level 1.
    static let maxDepth = 64

    /// Objects with more members than this check duplicates with a hash set instead of a scan.
    private static let linearDuplicateScanLimit = 16

    /// A record read from the text: its fields in order, the range of the object's own text,
    /// and where the reader stopped (the end of the range, or a line feed in line mode).
    struct Object {
        var fields: [RawField]
        var text: Range<Int>
        var end: Int
        /// How many leading field names were taken from ``readSoleObject(namesLike:)``'s
        /// `previous`.
        var reusedNames: Int
        /// Whether every field name was written without an escape, so that the names can be
        /// matched byte for byte in the next record.
        var namesEscapeFree: Bool
    }

    private let bytes: [UInt8]
    private let start: Int
    private let end: Int
    /// In line mode a line feed is not whitespace but the end of the text.
    private let endsAtLineFeed: Bool
    private var position: Int
    /// Cleared when a field name of the record object needed unescaping.
    private var namesEscapeFree = true
    /// Whether the last string read had no escape (its text is its bytes as written).
    private var lastStringEscapeFree = true

    /// A reader of `bytes[range]`. In line mode (for ndjson) the text ends at the first line
    /// feed, so that a record never spans lines.
    init(_ bytes: [UInt8], range: Range<Int>, lineMode: Bool = false) {
        self.bytes = bytes
        start = range.lowerBound
        end = range.upperBound
        endsAtLineFeed = lineMode
        position = range.lowerBound
    }

    /// Reads exactly one object, with optional whitespace around it, up to the end of the text.
    ///
    /// - Parameter previous: the field names of the record before, all written without escapes
    ///   (the lines of an ndjson value usually repeat them). A name whose bytes are the name at
    ///   the same place there is taken from it instead of being built again, and while the
    ///   names so far all match, they cannot repeat one another (the previous record's names
    ///   are distinct), so they need no duplicate check.
    mutating func readSoleObject(namesLike previous: [String] = []) throws(JSONSyntaxError) -> Object {
        skipWhitespace()
        guard position < end else { throw .unexpectedEnd }
        guard bytes[position] == .openBrace else {
            // Tell "valid JSON, but not an object" from garbage.
            var ignored: [UInt8] = []
            try copyCompactValue(into: &ignored, depth: 1)
            throw .notAnObject
        }
        let objectStart = position
        let (fields, reused) = try readRecordObject(namesLike: previous)
        let objectEnd = position
        skipWhitespace()
        guard position == end || (endsAtLineFeed && bytes[position] == .lineFeed) else {
            throw .trailingContent(offset: position - start)
        }
        return Object(fields: fields, text: objectStart..<objectEnd, end: position, reusedNames: reused,
                      namesEscapeFree: namesEscapeFree)
    }

    // MARK: The record object

    /// The record's fields, and how many leading names came from `previous`.
    private mutating func readRecordObject(namesLike previous: [String]) throws(JSONSyntaxError) -> ([RawField], Int) {
        position += 1
        var fields: [RawField] = []
        skipWhitespace()
        if try peek() == .closeBrace {
            position += 1
            return (fields, 0)
        }
        fields.reserveCapacity(max(previous.count, 12))
        var names: Set<[UInt8]> = []
        var reused = 0
        while true {
            let nameOffset = position
            guard try peek() == .quote else { throw .unexpectedByte(offset: position - start) }
            let name: String
            let isReused = reused == fields.count && reused < previous.count && skipName(previous[reused])
            if isReused {
                name = previous[reused]
                reused += 1
            } else {
                name = try readString()
                if !lastStringEscapeFree { namesEscapeFree = false }
            }
            try expectColon()
            let value = try readFieldValue()
            if isReused {
                // Distinct from the names before it: they are the previous record's, in order.
            } else if fields.count < Self.linearDuplicateScanLimit {
                // Names are the same when their bytes are (after unescaping), as the
                // standardiser matches them: `==` would also call canonically equivalent
                // spellings the same, and normalises non-ASCII names on every comparison.
                // (`hasUTF8` compares lengths first, which settles most pairs.) By index: a
                // closure over the fields copied each one.
                for i in fields.indices where fields[i].name.hasUTF8(name.utf8) {
                    throw .duplicateFieldName(offset: nameOffset - start)
                }
            } else {
                if names.isEmpty { names = Set(fields.map { Array($0.name.utf8) }) }
                guard names.insert(Array(name.utf8)).inserted else { throw .duplicateFieldName(offset: nameOffset - start) }
            }
            fields.append(RawField(name: name, value: value))
            guard try nextMember(closing: .closeBrace) else { return (fields, reused) }
        }
    }

    /// Whether the string token at `position` is exactly `name` (which holds no quote,
    /// backslash or control character, having been read without escapes); if so, moves past it.
    private mutating func skipName(_ name: String) -> Bool {
        let first = position + 1
        let close = first + name.utf8.count
        guard close < end, bytes[close] == .quote, name.hasUTF8(bytes[first..<close]) else { return false }
        position = close + 1
        return true
    }

    private mutating func readFieldValue() throws(JSONSyntaxError) -> RawValue {
        switch try peek() {
        case .quote:
            return .string(try readString())
        case .minus, .zero ... .nine:
            let numberStart = position
            let isInteger = try skipNumber()
            let text = String(decoding: bytes[numberStart..<position], as: UTF8.self)
            return isInteger ? .integer(text) : .number(text)
        case .letterT:
            try expectLiteral("true")
            return .bool(true)
        case .letterF:
            try expectLiteral("false")
            return .bool(false)
        case .letterN:
            try expectLiteral("null")
            return .null
        case .openBrace, .openBracket:
            var compact: [UInt8] = []
            try copyCompactValue(into: &compact, depth: 2)
            return .composite(String(decoding: compact, as: UTF8.self))
        default:
            throw .unexpectedByte(offset: position - start)
        }
    }

    // MARK: Nested values

    /// Validates one value and appends it to `output` without insignificant whitespace.
    /// Strings and numbers are copied as written.
    private mutating func copyCompactValue(into output: inout [UInt8], depth: Int) throws(JSONSyntaxError) {
        let valueStart = position
        switch try peek() {
        case .openBrace:
            guard depth <= Self.maxDepth else { throw .tooDeep(offset: position - start) }
            try copyCompactObject(into: &output, depth: depth)
        case .openBracket:
            guard depth <= Self.maxDepth else { throw .tooDeep(offset: position - start) }
            try copyCompactArray(into: &output, depth: depth)
        case .quote:
            _ = try readString()
            output.append(contentsOf: bytes[valueStart..<position])
        case .minus, .zero ... .nine:
            _ = try skipNumber()
            output.append(contentsOf: bytes[valueStart..<position])
        case .letterT:
            try expectLiteral("true")
            output.append(contentsOf: bytes[valueStart..<position])
        case .letterF:
            try expectLiteral("false")
            output.append(contentsOf: bytes[valueStart..<position])
        case .letterN:
            try expectLiteral("null")
            output.append(contentsOf: bytes[valueStart..<position])
        default:
            throw .unexpectedByte(offset: position - start)
        }
    }

    private mutating func copyCompactObject(into output: inout [UInt8], depth: Int) throws(JSONSyntaxError) {
        position += 1
        output.append(.openBrace)
        skipWhitespace()
        if try peek() == .closeBrace {
            position += 1
            output.append(.closeBrace)
            return
        }
        var names: Set<[UInt8]> = []
        while true {
            let nameStart = position
            guard try peek() == .quote else { throw .unexpectedByte(offset: position - start) }
            let name = try readString()
            guard names.insert(Array(name.utf8)).inserted else { throw .duplicateFieldName(offset: nameStart - start) }
            output.append(contentsOf: bytes[nameStart..<position])
            try expectColon()
            output.append(.colon)
            try copyCompactValue(into: &output, depth: depth + 1)
            guard try nextMember(closing: .closeBrace) else {
                output.append(.closeBrace)
                return
            }
            output.append(.comma)
        }
    }

    private mutating func copyCompactArray(into output: inout [UInt8], depth: Int) throws(JSONSyntaxError) {
        position += 1
        output.append(.openBracket)
        skipWhitespace()
        if try peek() == .closeBracket {
            position += 1
            output.append(.closeBracket)
            return
        }
        while true {
            try copyCompactValue(into: &output, depth: depth + 1)
            guard try nextMember(closing: .closeBracket) else {
                output.append(.closeBracket)
                return
            }
            output.append(.comma)
        }
    }

    // MARK: Punctuation

    /// After a member or element: true at `,` (then positioned at the next one), false at the
    /// closing bracket (then positioned after it).
    private mutating func nextMember(closing: UInt8) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        let byte = try peek()
        position += 1
        if byte == .comma {
            skipWhitespace()
            return true
        }
        if byte == closing { return false }
        throw .unexpectedByte(offset: position - 1 - start)
    }

    private mutating func expectColon() throws(JSONSyntaxError) {
        skipWhitespace()
        guard try peek() == .colon else { throw .unexpectedByte(offset: position - start) }
        position += 1
        skipWhitespace()
    }

    private mutating func expectLiteral(_ literal: String) throws(JSONSyntaxError) {
        for expected in literal.utf8 {
            guard position < end else { throw .unexpectedEnd }
            guard bytes[position] == expected else { throw .unexpectedByte(offset: position - start) }
            position += 1
        }
    }

    private func peek() throws(JSONSyntaxError) -> UInt8 {
        guard position < end else { throw .unexpectedEnd }
        return bytes[position]
    }

    private mutating func skipWhitespace() {
        while position < end {
            let byte = bytes[position]
            guard byte == .space || byte == .carriageReturn || byte == .tab
                || (byte == .lineFeed && !endsAtLineFeed) else { return }
            position += 1
        }
    }

    // MARK: Numbers

    /// Skips `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    /// - Returns: whether the number has neither fraction nor exponent.
    private mutating func skipNumber() throws(JSONSyntaxError) -> Bool {
        let numberStart = position
        if bytes[position] == .minus { position += 1 }
        guard position < end else { throw .invalidNumber(offset: numberStart - start) }
        if bytes[position] == .zero {
            position += 1
        } else if try skipDigits() == 0 {
            throw .invalidNumber(offset: numberStart - start)
        }
        var isInteger = true
        if position < end && bytes[position] == .period {
            isInteger = false
            position += 1
            guard try skipDigits() > 0 else { throw .invalidNumber(offset: numberStart - start) }
        }
        if position < end && (bytes[position] == .letterE || bytes[position] == .capitalE) {
            isInteger = false
            position += 1
            if position < end && (bytes[position] == .plus || bytes[position] == .minus) { position += 1 }
            guard try skipDigits() > 0 else { throw .invalidNumber(offset: numberStart - start) }
        }
        return isInteger
    }

    private mutating func skipDigits() throws(JSONSyntaxError) -> Int {
        let digitsStart = position
        while position < end && (.zero ... .nine).contains(bytes[position]) { position += 1 }
        return position - digitsStart
    }

    // MARK: Strings

    /// Reads a string token (positioned at its opening quote) and returns its unescaped value;
    /// sets ``lastStringEscapeFree``.
    private mutating func readString() throws(JSONSyntaxError) -> String {
        let contentStart = position + 1
        var index = contentStart
        // Fast path: no escapes, so the value is a slice of the (valid UTF-8) input.
        while index < end {
            let byte = bytes[index]
            if byte == .quote {
                position = index + 1
                lastStringEscapeFree = true
                return String(decoding: bytes[contentStart..<index], as: UTF8.self)
            }
            if byte == .backslash || byte < 0x20 { break }
            index += 1
        }
        lastStringEscapeFree = false
        var unescaped = Array(bytes[contentStart..<index])
        position = index
        try readEscapedRemainder(into: &unescaped)
        return String(decoding: unescaped, as: UTF8.self)
    }

    private mutating func readEscapedRemainder(into output: inout [UInt8]) throws(JSONSyntaxError) {
        while position < end {
            let byte = bytes[position]
            switch byte {
            case .quote:
                position += 1
                return
            case .backslash:
                try readEscape(into: &output)
            case 0..<0x20:
                throw .controlCharacterInString(offset: position - start)
            default:
                output.append(byte)
                position += 1
            }
        }
        throw .unexpectedEnd
    }

    private mutating func readEscape(into output: inout [UInt8]) throws(JSONSyntaxError) {
        let escapeStart = position
        guard position + 1 < end else { throw .unexpectedEnd }
        let code = bytes[position + 1]
        position += 2
        switch code {
        case .quote, .backslash, .slash: output.append(code)
        case .letterB: output.append(0x08)
        case .letterF: output.append(0x0C)
        case .letterN: output.append(0x0A)
        case .letterR: output.append(0x0D)
        case .letterT: output.append(0x09)
        case .letterU:
            let unit = try readHexQuad(escapeStart: escapeStart)
            let scalar: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                guard end - position >= 6, bytes[position] == .backslash, bytes[position + 1] == .letterU else {
                    throw .loneSurrogate(offset: escapeStart - start)
                }
                position += 2
                let low = try readHexQuad(escapeStart: position - 2)
                guard (0xDC00...0xDFFF).contains(low) else { throw .loneSurrogate(offset: escapeStart - start) }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            case 0xDC00...0xDFFF:
                throw .loneSurrogate(offset: escapeStart - start)
            default:
                scalar = unit
            }
            Self.appendUTF8(scalar, to: &output)
        default:
            throw .invalidEscape(offset: escapeStart - start)
        }
    }

    private mutating func readHexQuad(escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        guard end - position >= 4 else { throw .invalidEscape(offset: escapeStart - start) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case .zero ... .nine: digit = byte - .zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .invalidEscape(offset: escapeStart - start)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
