import Decoding
import HubCore
import Testing

@Suite("application/x-ndjson")
struct NDJSONTests {
    private func decode(_ text: String) -> [DecodedRecord] {
        MessageFixtures.decode(text, contentType: "application/x-ndjson").records ?? []
    }

    @Test("one record per line, rows are physical line numbers")
    func linesAndRows() {
        let records = decode("{\"a\":1}\n{\"a\":2}\n{\"a\":3}")
        #expect(records.map(\.row) == [1, 2, 3])
        #expect(records.compactMap(\.rawRecord).map { $0["a"] } == [.integer("1"), .integer("2"), .integer("3")])
    }

    @Test("CRLF line ends are accepted and not part of the record text")
    func crlf() {
        let records = decode("{\"a\":1}\r\n{\"a\":2}\r\n")
        #expect(records.compactMap(\.rawRecord).map(\.textString) == ["{\"a\":1}", "{\"a\":2}"])
        #expect(records.map(\.row) == [1, 2])
    }

    @Test("blank lines and a trailing newline are skipped but still count as lines")
    func blankLines() {
        let records = decode("\n{\"a\":1}\n\n  \t \r\n\r\n{\"a\":2}\n\n")
        #expect(records.map(\.row) == [2, 6])
        #expect(records.allSatisfy { $0.rawRecord != nil })
    }

    @Test("a value of blank lines holds no records")
    func onlyBlankLines() {
        #expect(MessageFixtures.decode("\n \n\r\n", contentType: "application/x-ndjson").records == [])
    }

    @Test("a bad line is malformed on its own; its neighbours are unaffected")
    func badLineIsolated() {
        let text = """
            {"a":1}
            {"a":2
            [1,2]
            "text"
            {"a":3,"a":4}
            {"a":{"b":1,"b":2}}
            {"a":5} {"a":6}
            {"a":7}
            """
        let records = decode(text)
        #expect(records.map(\.row) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(records.map { $0.malformedRow != nil } == [false, true, true, true, true, true, true, false])
        #expect(records[1].text == Array("{\"a\":2".utf8))
        #expect(records[7].rawRecord?["a"] == .integer("7"))
    }

    @Test("names repeated from the line before are read as written; a repeat within a line is still a duplicate")
    func namesOfTheLineBefore() {
        let text = """
            {"a":1,"b":"x"}
            {"a":2,"b":"y"}
            {"a":3,"a":4}
            {"a":5,"b":6,"a":7}
            {"ab":8,"b":9}
            {"a":10}
            {"\\u0061":11,"b":12}
            {"a":13,"\\u0062":14,"b":15}
            {"b":16,"a":17}
            {"a":18,"b":19,"c":20}
            """
        let records = decode(text)
        #expect(records.map { $0.malformedRow != nil } == [false, false, true, true, false, false, false, true, false, false])
        #expect(records.compactMap(\.rawRecord).map { $0.fields.map(\.name) } == [
            ["a", "b"], ["a", "b"], ["ab", "b"], ["a"], ["a", "b"], ["b", "a"], ["a", "b", "c"],
        ])
        #expect(records.compactMap(\.rawRecord).map { $0["a"] } == [
            .integer("1"), .integer("2"), nil, .integer("10"), .integer("11"), .integer("17"), .integer("18"),
        ])
    }

    @Test("a malformed line keeps its raw text without the line break, and no content in the detail")
    func malformedText() {
        let records = decode("{\"id\":\"110101199003074411\" oops}\r\n")
        guard case .malformed(let row, let detail, let text)? = records.first else {
            Issue.record("expected a malformed line")
            return
        }
        #expect(row == 1)
        #expect(text == Array("{\"id\":\"110101199003074411\" oops}".utf8))
        #expect(!detail.contains("110101199003074411"))
    }

    @Test("record text is the object as written, without surrounding whitespace")
    func recordText() {
        #expect(decode("  { \"a\" : 1 }  \n").first?.rawRecord?.textString == "{ \"a\" : 1 }")
    }

    @Test("a JSON string may not hide a line break, so a split object is two bad lines")
    func objectSplitAcrossLines() {
        let records = decode("{\"a\":\n1}\n")
        #expect(records.map(\.malformedRow) == [1, 2])
    }
}
