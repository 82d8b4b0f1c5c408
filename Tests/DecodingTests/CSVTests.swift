import Decoding
import HubCore
import Testing

@Suite("text/csv")
struct CSVTests {
    private func decode(_ text: String) -> [DecodedRecord] {
        MessageFixtures.decode(text, contentType: "text/csv").records ?? []
    }

    @Test("a header line then rows; values are strings kept as written")
    func headerAndRows() throws {
        let records = decode("XXBSM,XM,NJDM\n3133001234, 张三 ,11\n3133001235,李四,12\n")
        #expect(records.map(\.row) == [1, 2])
        let first = try #require(records.first?.rawRecord)
        #expect(first.fields == [
            RawField(name: "XXBSM", value: .string("3133001234")),
            RawField(name: "XM", value: .string(" 张三 ")),
            RawField(name: "NJDM", value: .string("11")),
        ])
        #expect(first.textString == "3133001234, 张三 ,11")
    }

    @Test("header names are trimmed of ASCII whitespace")
    func headerTrimmed() {
        #expect(decode(" a ,\tb\t,\" c \"\n1,2,3\n").first?.rawRecord?.fields.map(\.name) == ["a", "b", "c"])
    }

    @Test("CRLF and LF both end records; the last line needs no line break")
    func lineEnds() {
        let records = decode("a,b\r\n1,2\n3,4\r\n5,6")
        #expect(records.compactMap(\.rawRecord).map { $0["b"] } == [.string("2"), .string("4"), .string("6")])
        #expect(records.compactMap(\.rawRecord).map(\.textString) == ["1,2", "3,4", "5,6"])
    }

    @Test("a header-only CSV holds no records", arguments: ["a,b", "a,b\n", "a,b\r\n", "a,b\n\n\r\n", "\n", "\r\n"])
    func headerOnly(text: String) {
        #expect(MessageFixtures.decode(text, contentType: "text/csv").records == [])
    }

    @Test("completely empty lines are skipped and not counted as rows")
    func emptyLines() {
        let records = decode("\r\na,b\n\n1,2\r\n\r\n\n3,4\n\n")
        #expect(records.map(\.row) == [1, 2])
        #expect(records.compactMap(\.rawRecord).map { $0["a"] } == [.string("1"), .string("3")])
    }

    @Test("quoted fields hold commas, doubled quotes and line breaks")
    func quotedFields() throws {
        let records = decode("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"line1\r\nline2\nline3\"\r\n\"\",,\"\"\"\"\n")
        #expect(records.map(\.row) == [1, 2])
        let first = try #require(records.first?.rawRecord)
        #expect(first["a"] == .string("x, y"))
        #expect(first["b"] == .string("say \"hi\""))
        #expect(first["c"] == .string("line1\r\nline2\nline3"))
        #expect(first.textString == "\"x, y\",\"say \"\"hi\"\"\",\"line1\r\nline2\nline3\"")
        let second = try #require(records.last?.rawRecord)
        #expect(second.fields.map(\.value) == [.string(""), .string(""), .string("\"")])
    }

    @Test("a row with a different number of fields than the header is malformed on its own")
    func wrongFieldCount() {
        let records = decode("a,b\n1\n1,2\n1,2,3\n,\n1,2,\n")
        #expect(records.map(\.row) == [1, 2, 3, 4, 5])
        #expect(records.map { $0.malformedRow != nil } == [true, false, true, false, true])
        #expect(records[0].text == Array("1".utf8))
        if case .malformed(_, let detail, _) = records[0] {
            #expect(detail == "CSV row has 1 fields, header has 2")
        }
    }

    @Test("a line of spaces is a row, not an empty line")
    func whitespaceLineIsARow() {
        let records = decode("a,b\n  \n1,2\n")
        #expect(records.map(\.malformedRow) == [1, nil])
    }

    @Test("a quote inside an unquoted field makes that row malformed")
    func quoteInUnquotedField() {
        let records = decode("a,b\n1,x\"y\n2,3\n4,\"5\"\n")
        #expect(records.map(\.malformedRow) == [1, nil, nil])
        #expect(records[0].text == Array("1,x\"y".utf8))
        #expect(records[2].rawRecord?["b"] == .string("5"))
    }

    @Test("text after a closing quote makes that row malformed, even in a multi-line field")
    func textAfterClosingQuote() {
        let records = decode("a,b\n\"1\"x,2\n\"multi\nline\" ,3\n4,5\n")
        #expect(records.map(\.malformedRow) == [1, 2, nil])
        #expect(records[1].text == Array("\"multi\nline\" ,3".utf8))
        #expect(records[2].rawRecord?["a"] == .string("4"))
    }

    @Test("an unterminated quote makes the rest of the value one broken row")
    func unterminatedQuote() {
        let records = decode("a,b\n1,2\n3,\"open\n4,5\n6,7\n")
        #expect(records.map(\.row) == [1, 2])
        #expect(records.map { $0.malformedRow != nil } == [false, true])
        #expect(records[1].text == Array("3,\"open\n4,5\n6,7\n".utf8))
    }

    @Test("duplicate header names make every row malformed")
    func duplicateHeaderNames() {
        let records = decode("a,b, a\n1,2,3\n4,5,6\n")
        #expect(records.map(\.malformedRow) == [1, 2])
        if case .malformed(_, let detail, _) = records[0] {
            #expect(detail == "duplicate CSV header name")
        }
    }

    @Test("header names are the same when their bytes are, as in JSON objects")
    func headerNamesCompareByBytes() {
        // é precomposed and decomposed: two columns, not a duplicate.
        let records = decode("\u{E9},e\u{301}\n1,2\n")
        #expect(records.map(\.malformedRow) == [nil])
        #expect(decode("\u{E9},\u{E9}\n1,2\n").map(\.malformedRow) == [1])
    }

    @Test("broken quoting in the header makes every row malformed")
    func brokenHeader() {
        let records = decode("a,b\"\n1,2\n")
        #expect(records.map(\.malformedRow) == [1])
    }

    @Test("a BOM before the header is not part of the first name")
    func byteOrderMarkBeforeHeader() {
        let value: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("XXBSM\n3133001234\n".utf8)
        let decoded = MessageFixtures.decode(value, contentType: "text/csv")
        #expect(decoded.rawRecords.first?["XXBSM"] == .string("3133001234"))
    }
}

@Suite("text/csv: a header that swallows the value")
struct CSVHeaderQuoteTests {
    @Test("an unclosed quote in the header makes the whole value malformed, not an empty batch", arguments: [
        "a,\"b\n1,2\n3,4\n", "\"a,b\r\n1,2\r\n", "a,\"b", "a,\"b\"\"c,d\n1,2\n", "\"\n",
    ])
    func unclosedQuoteInHeader(text: String) {
        let decoded = MessageFixtures.decode(text, contentType: "text/csv")
        #expect(decoded.rejectionReason == .malformed)
        #expect(decoded.rejectionDetail == "invalid CSV header: CSV quoted field not terminated")
        #expect(decoded.records == nil)
    }

    @Test("a closed quote in the header, or an open one in a later row, is not a whole-value failure")
    func closedQuoteInHeader() {
        let decoded = MessageFixtures.decode("a,\"b\"\n1,2\n", contentType: "text/csv")
        #expect(decoded.rejectionReason == nil)
        #expect(decoded.rawRecords.first?["b"] == .string("2"))
        // A quote left open in a later row still spoils only that row and what follows.
        let later = MessageFixtures.decode("a,b\n1,2\n\"3,4\n", contentType: "text/csv")
        #expect(later.records?.map(\.malformedRow) == [nil, 2])
    }
}
