import CSVOutput
@testable import Decoding
import Testing

/// Issue 18: one CSV writer; a value holding CRLF (one `Character` in Swift) is quoted and
/// round-trips through the project's own RFC 4180 reader; a byte-order mark for Excel on request.
@Suite("CSV writer")
struct CSVWriterTests {
    func csv(_ rows: [[String?]], bom: Bool = false) -> [UInt8] {
        var w = CSVWriter(byteOrderMark: bom)
        for r in rows { w.writeRecord(r) }
        return w.bytes
    }

    /// Reads `bytes` back with the decoder the ingest stage uses for text/csv.
    func read(_ bytes: [UInt8]) -> [[String]] {
        var reader = CSVReader(bytes)
        var out: [[String]] = []
        while let record = reader.next() {
            switch record.fields {
            case .success(let fields): out.append(fields)
            case .failure(let error): Issue.record("unreadable row: \(error)")
            }
        }
        return out
    }

    @Test func plainFieldsAndCRLFRecords() {
        #expect(csv([["a", "b"], ["1", nil]]) == Array("a,b\r\n1,\r\n".utf8))
    }

    @Test func quoting() {
        #expect(csv([["say \"hi\""]]) == Array("\"say \"\"hi\"\"\"\r\n".utf8))
        #expect(csv([["a,b"]]) == Array("\"a,b\"\r\n".utf8))
        #expect(csv([["a\nb"]]) == Array("\"a\nb\"\r\n".utf8))
        #expect(csv([["a\rb"]]) == Array("\"a\rb\"\r\n".utf8))
    }

    @Test func aCRLFInsideAValueIsQuotedAlthoughSwiftSeesOneCharacter() {
        let value = "line1\r\nline2"
        #expect(!value.contains(Character("\r")) && !value.contains(Character("\n")), "the trap the old writers fell into")
        #expect(CSVWriter.needsQuotes(value) && CSVWriter.needsQuotes("\r\n"))
        #expect(csv([[value, "x"]]) == Array("\"line1\r\nline2\",x\r\n".utf8))
    }

    @Test func roundTripThroughTheIngestReader() {
        let rows: [[String]] = [
            ["school_code", "name", "note"],
            ["3301060001", "杭州市西湖区第一小学", "班级\r\n备注"],
            ["3301060002", "\"quoted\", with comma", "\r\n"],
            ["3301060003", "", "tail\r"],
            ["3301060004", "a\nb\rc\r\nd", "\"\""],
        ]
        let bytes = csv(rows.map { $0.map(Optional.some) })
        #expect(read(bytes) == rows)
    }

    @Test func byteOrderMarkComesFirstAndTheRestIsUnchanged() {
        let with = csv([["杭州市", "西湖区"]], bom: true)
        #expect(with == [0xEF, 0xBB, 0xBF] + Array("杭州市,西湖区\r\n".utf8))
        #expect(read(Array(with.dropFirst(3))) == [["杭州市", "西湖区"]])
        var w = CSVWriter()
        w.writeRecord(["a", "b"])
        #expect(w.text == "a,b\r\n")
    }
}
