import Decoding
import Foundation
import FuzzSupport
import HubCore

/// `application/json` (no headers): the value must be one strict RFC 8259 object.
///
/// Oracles: the value is rejected exactly when it is not UTF-8 (standard library's check) or
/// not an object; an accepted value has one record at row 0; and Foundation's independent JSON
/// parser reads the same object: the same member names, the same strings, nulls and booleans,
/// and nested values whose compact text it parses too.
func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let value = input.rest()
    let decoded = MessageDecoding.decode(value: value, headers: [])
    DecodingOracle.checkStructure(decoded, framing: value.isEmpty ? .unknown : .singleObject)
    guard case .records(let records) = decoded, case .record(let record)? = records.first else {
        return 0
    }
    fuzzCheck(DecodingOracle.isValidUTF8(value), "invalid UTF-8 accepted")
    let text = DecodingOracle.droppingBOM(value)
    // Foundation may refuse valid JSON it cannot represent (e.g. 1e400); then there is
    // nothing to compare.
    guard let parsed = try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed]) else { return 0 }
    guard let parsedObject = parsed as? [String: Any] else { fuzzFailure("accepted a value Foundation reads as \(type(of: parsed))") }
    // Foundation on Linux drops U+FEFF inside strings (a quirk of its own); compare without it.
    let names = record.fields.map { FoundationComparison.withoutBOM($0.name) }
    guard Set(names).count == names.count else { return 0 }
    var object: [[UInt8]: Any] = [:]
    for (name, value) in parsedObject { object[Array(FoundationComparison.withoutBOM(name).utf8)] = value }
    fuzzCheck(object.count == record.fields.count, "\(record.fields.count) fields, Foundation reads \(object.count)")
    for (name, field) in zip(names, record.fields) {
        guard let other = object[Array(name.utf8)] else { fuzzFailure("field name Foundation does not have") }
        FoundationComparison.check(field.value, against: other)
    }
    return 0
}

enum FoundationComparison {
    static func check(_ value: RawValue, against other: Any) {
        switch value {
        case .null:
            fuzzCheck(other is NSNull, "null read as \(type(of: other))")
        case .string(let string):
            guard let otherString = other as? String else { fuzzFailure("string read as \(type(of: other))") }
            fuzzCheck(Array(withoutBOM(string).utf8) == Array(withoutBOM(otherString).utf8), "string unescaped differently")
        case .bool(let bool):
            guard let number = other as? NSNumber else { fuzzFailure("bool read as \(type(of: other))") }
            fuzzCheck(number.boolValue == bool, "bool differs")
        case .integer(let text), .number(let text):
            fuzzCheck(other is NSNumber, "number read as \(type(of: other))")
            fuzzCheck(!text.isEmpty && text.utf8.allSatisfy { "0123456789+-.eE".utf8.contains($0) }, "number text")
        case .composite(let compact):
            fuzzCheck(other is [Any] || other is [String: Any], "composite read as \(type(of: other))")
            let reparsed = try? JSONSerialization.jsonObject(with: Data(compact.utf8), options: [.fragmentsAllowed])
            fuzzCheck(reparsed != nil, "compact text of a nested value does not parse")
            fuzzCheck(!hasWhitespaceOutsideStrings(compact), "whitespace left outside strings in compact text")
        }
    }

    static func withoutBOM(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\u{FEFF}" }))
    }

    private static func hasWhitespaceOutsideStrings(_ json: String) -> Bool {
        var inString = false
        var escaped = false
        for byte in json.utf8 {
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
            } else if byte == 0x22 {
                inString = true
            } else if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                return true
            }
        }
        return false
    }
}
