import CSVOutput
import DataServices
import Testing

@Suite("CSV writer")
struct CSVWriterTests {
    func csv(_ rows: [[String?]], bom: Bool = false) -> [UInt8] {
        var w = CSVWriter(byteOrderMark: bom)
        for r in rows { w.writeRecord(r) }
        return w.bytes
    }

    @Test("plain fields are written as they are, records end in CRLF")
    func plain() {
        #expect(csv([["a", "b"], ["1", nil]]) == Array("a,b\r\n1,\r\n".utf8))
    }

    @Test("a field with a quote, comma, CR or LF is quoted, inner quotes doubled")
    func quoting() {
        #expect(csv([["say \"hi\""]]) == Array("\"say \"\"hi\"\"\"\r\n".utf8))
        #expect(csv([["a,b"]]) == Array("\"a,b\"\r\n".utf8))
        #expect(csv([["a\nb"]]) == Array("\"a\nb\"\r\n".utf8))
        #expect(csv([["a\rb"]]) == Array("\"a\rb\"\r\n".utf8))
    }

    @Test("CRLF inside a value is quoted although Swift sees one Character")
    func crlfGrapheme() {
        let value = "line1\r\nline2"
        // The trap: "\r\n" is one Character, so a Character search for "\r" misses it.
        #expect(!value.contains(Character("\r")))
        #expect(value.count == 11)
        #expect(CSVWriter.needsQuotes(value))
        #expect(csv([[value, "x"]]) == Array("\"line1\r\nline2\",x\r\n".utf8))
        #expect(CSVWriter.needsQuotes("\r\n"))
    }

    @Test("Chinese text passes through unquoted; the BOM comes first when asked for")
    func bomAndChinese() {
        #expect(csv([["杭州市", "西湖区"]], bom: true) == [0xEF, 0xBB, 0xBF] + Array("杭州市,西湖区\r\n".utf8))
        #expect(!CSVWriter.needsQuotes("上城区"))
    }
}
