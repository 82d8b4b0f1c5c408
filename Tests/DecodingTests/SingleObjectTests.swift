import HubCore
import Testing

@testable import Decoding

@Suite("application/json values and JSON field values")
struct SingleObjectTests {
    @Test("one object is one record at row 0, its text the object's own bytes")
    func oneObject() throws {
        let decoded = MessageFixtures.decode(" \r\n\t{ \"XXBSM\" : \"3133001234\", \"NJDM\": 11 }\n ")
        let record = try #require(decoded.rawRecords.first)
        #expect(decoded.records?.count == 1)
        #expect(record.row == 0)
        #expect(record.fields == [
            RawField(name: "XXBSM", value: .string("3133001234")),
            RawField(name: "NJDM", value: .integer("11")),
        ])
        #expect(record.textString == "{ \"XXBSM\" : \"3133001234\", \"NJDM\": 11 }")
    }

    @Test("an empty object is a record without fields")
    func emptyObject() {
        #expect(MessageFixtures.decode("{}").rawRecords == [RawRecord(row: 0, fields: [], text: Array("{}".utf8))])
    }

    @Test("numbers keep their text; only fraction or exponent makes them non-integers", arguments: [
        ("12", RawValue.integer("12")), ("-3", .integer("-3")), ("0", .integer("0")), ("-0", .integer("-0")),
        ("1.0", .number("1.0")), ("1e3", .number("1e3")), ("1E+3", .number("1E+3")), ("-0.5e-2", .number("-0.5e-2")),
        ("123456789012345678901234567890", .integer("123456789012345678901234567890")),
        ("1e999999", .number("1e999999")),
        ("\"12\"", .string("12")), ("true", .bool(true)), ("false", .bool(false)), ("null", .null),
    ])
    func fieldValues(json: String, expected: RawValue) {
        #expect(MessageFixtures.decode("{\"v\":\(json)}").rawRecords.first?["v"] == expected)
    }

    @Test("arrays and objects become compact JSON text")
    func composites() {
        let decoded = MessageFixtures.decode(#"{"a": [ 1 , "x y" , { "b" : null , "c":[] } ] , "o" : { } }"#)
        let record = decoded.rawRecords.first
        #expect(record?["a"] == .composite(#"[1,"x y",{"b":null,"c":[]}]"#))
        #expect(record?["o"] == .composite("{}"))
    }

    @Test("strings are unescaped, surrogate pairs combined")
    func escapes() {
        let json = #"{"s":"q\" b\\ s\/ \b\f\n\r\t \u0041\u00e9\u5B66 \ud83d\ude00 \uD840\uDC00 学"}"#
        let expected = "q\" b\\ s/ \u{8}\u{C}\n\r\t Aé学 😀 \u{20000} 学"
        #expect(MessageFixtures.decode(json).rawRecords.first?["s"] == .string(expected))
    }

    @Test("field names are unescaped")
    func escapedNames() {
        #expect(MessageFixtures.decode(#"{"\u5B66\u6821\u4EE3\u7801":"1"}"#).rawRecords.first?["学校代码"] == .string("1"))
    }

    @Test("invalid JSON is malformed for the whole value", arguments: [
        "", " ", "{", "}", "{\"a\":1", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{,}", "{\"a\" 1}", "{a:1}", "{'a':1}",
        "{\"a\":01}", "{\"a\":-01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":+1}",
        "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":tru}", "{\"a\":True}", "{\"a\":nul}",
        "{\"a\":1} // comment", "/* c */ {\"a\":1}", "{\"a\":1}{\"b\":2}", "{\"a\":1} x",
        "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":{\"b\":1,}}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\u12G4\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"tab\there\"}", "{\"a\":\"new\nline\"}", "{\"a\":\"unterminated}", "{\"a\":\"\u{0}\"}",
    ])
    func invalidJSON(text: String) {
        #expect(MessageFixtures.decode(text).rejectionReason == .malformed)
    }

    @Test("a JSON value that is not an object is malformed", arguments: ["[]", "[{\"a\":1}]", "\"a\"", "1", "null", "true"])
    func notAnObject(text: String) {
        let decoded = MessageFixtures.decode(text)
        #expect(decoded.rejectionReason == .malformed)
        #expect(decoded.rejectionDetail == "JSON value is not an object")
    }

    @Test("duplicate field names anywhere make the value malformed", arguments: [
        #"{"a":1,"a":2}"#, #"{"a":1,"b":2,"\u0061":3}"#, #"{"o":{"x":1,"x":1}}"#, #"{"l":[{"x":1},{"y":1,"y":2}]}"#,
    ])
    func duplicateNames(text: String) {
        let decoded = MessageFixtures.decode(text)
        #expect(decoded.rejectionReason == .malformed)
        #expect(decoded.rejectionDetail?.hasPrefix("duplicate field name") == true)
    }

    @Test("names are the same when their bytes are: canonically equivalent spellings are two fields")
    func namesCompareByBytes() throws {
        // é precomposed (U+00E9) and decomposed (e + U+0301): Swift's == calls them equal; the
        // standardiser matches field names byte for byte, so they are two different fields,
        // in the record object as in nested objects, in short and long objects alike.
        let (composed, decomposed) = ("\u{E9}", "e\u{301}")
        for text in ["{\"\(composed)\":1,\"\(decomposed)\":2}", #"{"\u00e9":1,"e\u0301":2}"#] {
            let record = try #require(MessageFixtures.decode(text).rawRecords.first, "\(text)")
            #expect(record.fields.map { Array($0.name.utf8) } == [Array(composed.utf8), Array(decomposed.utf8)])
        }
        #expect(MessageFixtures.decode("{\"o\":{\"\(composed)\":1,\"\(decomposed)\":2}}").rawRecords.count == 1)
        let many = (0..<20).map { "\"f\($0)\":\($0)" }
        let long = "{" + (many + ["\"\(composed)\":1", "\"\(decomposed)\":2"]).joined(separator: ",") + "}"
        #expect(MessageFixtures.decode(long).rawRecords.first?.fields.count == 22)
        let repeated = "{" + (many + ["\"\(composed)\":1", #""\u00e9":2"#]).joined(separator: ",") + "}"
        #expect(MessageFixtures.decode(repeated).rejectionReason == .malformed)
        #expect(MessageFixtures.decode("{\"\(decomposed)\":1,\"e\\u0301\":2}").rejectionReason == .malformed)
    }

    @Test("equal names in different objects are not duplicates")
    func sameNameInSiblingObjects() {
        #expect(MessageFixtures.decode(#"{"x":{"x":1},"l":[{"x":1},{"x":2}]}"#).rawRecords.count == 1)
    }

    @Test("duplicates are found in objects with many fields too")
    func duplicatesInLargeObject() {
        let members = (0..<200).map { "\"f\($0)\":\($0)" }
        #expect(MessageFixtures.decode("{" + members.joined(separator: ",") + "}").rawRecords.first?.fields.count == 200)
        let duplicated = members + ["\"f7\":0"]
        #expect(MessageFixtures.decode("{" + duplicated.joined(separator: ",") + "}").rejectionReason == .malformed)
        let nested = "{\"o\":{" + duplicated.joined(separator: ",") + "}}"
        #expect(MessageFixtures.decode(nested).rejectionReason == .malformed)
    }

    @Test("nesting is capped at 64 levels")
    func nestingDepth() {
        func nested(_ depth: Int) -> String {
            "{\"a\":" + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}"
        }
        #expect(MessageFixtures.decode(nested(JSONRecordReader.maxDepth)).rawRecords.count == 1)
        #expect(MessageFixtures.decode(nested(JSONRecordReader.maxDepth + 1)).rejectionReason == .malformed)
        let deep = String(repeating: "[", count: 100_000)
        #expect(MessageFixtures.decode("{\"a\":" + deep).rejectionReason == .malformed)
        #expect(MessageFixtures.decode(deep).rejectionReason == .malformed)
    }
}
