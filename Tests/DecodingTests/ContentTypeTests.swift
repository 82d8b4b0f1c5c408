import HubCore
import Testing

@testable import Decoding

@Suite("Content type")
struct ContentTypeTests {
    let csv = "学校代码,姓名\r\n3133001234,张三\r\n"

    @Test("an absent content-type means application/json")
    func absentMeansJSON() {
        let decoded = MessageFixtures.decode(#"{"a":1}"#)
        #expect(decoded.rawRecords.map(\.row) == [0])
        #expect(MessageFixtures.decode("a,b\n1,2").rejectionReason == .malformed)
    }

    @Test(
        "media types and parameters are case-insensitive, with optional whitespace and quotes",
        arguments: [
            "text/csv", "Text/CSV", "TEXT/csv;charset=utf-8", "text/csv; charset=UTF-8",
            "text/csv ; charset = \"utf-8\"", "  text/csv;\tcharset=\"UTF-8\"  ", "text/csv; header=present",
            "text/csv; foo=\"a;b\"; charset=utf-8", "text/csv;", "text/csv; ; charset=utf-8",
        ])
    func acceptedCSVSpellings(contentType: String) {
        let decoded = MessageFixtures.decode(csv, contentType: contentType)
        #expect(decoded.rawRecords.first?["姓名"] == .string("张三"))
    }

    @Test("a GBK charset given with odd spelling selects GB18030 decoding")
    func gbkParameterSpelling() {
        let gbk: [UInt8] = [0xD1, 0xA7, 0xD0, 0xA3, 0x0A, 0xD5, 0xC5, 0xC8, 0xFD, 0x0A]  // "学校\n张三\n"
        let decoded = MessageFixtures.decode(gbk, contentType: "Text/CSV ; Charset=\"GBK\"")
        #expect(decoded.rawRecords.first?["学校"] == .string("张三"))
    }

    @Test("the three known media types", arguments: [
        ("application/json", #"{"a":1}"#, 1),
        ("application/x-ndjson", "{\"a\":1}\n{\"a\":2}\n", 2),
        ("text/csv", "a\n1\n2\n3\n", 3),
    ])
    func knownTypes(contentType: String, text: String, count: Int) {
        #expect(MessageFixtures.decode(text, contentType: contentType).rawRecords.count == count)
    }

    @Test("an unknown content type is malformed", arguments: [
        "text/plain", "application/ndjson", "application/jsonl", "text/csv+x", "json", "", "application/ json",
        "application/json charset=utf-8", "application/json; charset", "application/json; charset=\"utf-8",
    ])
    func unknownType(contentType: String) {
        let decoded = MessageFixtures.decode(#"{"a":1}"#, contentType: contentType)
        #expect(decoded.rejectionReason == .malformed)
    }

    @Test("an unknown charset is malformed", arguments: [
        "utf8", "latin1", "iso-8859-1", "us-ascii", "gb2312", "utf-16", "\"\"", "\" utf-8\"", "big5",
    ])
    func unknownCharset(charset: String) {
        let decoded = MessageFixtures.decode(#"{"a":1}"#, contentType: "application/json; charset=\(charset)")
        #expect(decoded.rejectionReason == .malformed)
        #expect(decoded.rejectionDetail?.hasPrefix("unknown charset") == true)
    }

    @Test("the detail names the unknown charset")
    func unknownCharsetDetail() {
        let decoded = MessageFixtures.decode(#"{"a":1}"#, contentType: "application/json; charset=latin1")
        #expect(decoded.rejectionDetail == "unknown charset \"latin1\"")
    }

    @Test("the media type parser resolves quoted pairs and keeps the last repeated parameter")
    func parserDetails() throws {
        let type = try #require(MediaType(#"Application/X-NDJSON; Charset="g\b\"k"; charset=GBK"#))
        #expect(type.essence == "application/x-ndjson")
        #expect(type.parameters["charset"] == "GBK")
        let quoted = try #require(MediaType(#"text/csv; note="a \"b\"""#))
        #expect(quoted.parameters["note"] == #"a "b""#)
    }
}
