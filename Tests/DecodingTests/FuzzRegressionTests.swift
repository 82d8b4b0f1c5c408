import Decoding
import HubCore
import Testing

/// Inputs the fuzz targets (`scripts/fuzz.sh`) found, kept byte for byte with the outcome each
/// must have.
@Suite("Decoding fuzz regressions")
struct FuzzRegressionTests {
    /// Crash input `message-control-in-detail` (target `message`, ~90 executions): the last
    /// content-type header starts with a control character (0x19) and ends in bytes that are not
    /// UTF-8; a second header has a name of 0xFF bytes. The whole-value detail quoted the header
    /// as it was, so control characters (a NUL just as well) reached the logs and the quarantine
    /// row, where PostgreSQL's COPY refuses a NUL. Now the header shows only as media-type
    /// characters, other bytes as `?`, cut at 64 bytes.
    @Test("a header with control characters and invalid UTF-8 gives a malformed value with a printable detail")
    func controlCharacterInContentType() {
        let contentType: [UInt8] = [0x19] + Array("text/csv".utf8) + [UInt8](repeating: 0xFF, count: 31)
        let otherName = String(decoding: [UInt8](repeating: 0xFF, count: 55) + Array("; charset=\"utf-8\"".utf8) + [0, 0, 0, 0]
            + Array("XXBSM,SFZJH,XBM,NJDM,XJZT,GXSJ,BJ\n3133000001,330106201003040034,2,12,1,2026-09-01 08:00:00,\"1班, 东\"\n".utf8)
            + Array("3133000001,330106201003040042,2,12,1,2026".utf8) + [0x8A] + Array("09-01 08:00:00,2班\n31330".utf8)
            + [0xCE, 0xCF, 0xCF, 0xCF, 0xCE, 0xD3, 0xD3, 0xCD, 0x2C], as: UTF8.self)
        let headers: [(name: String, value: [UInt8]?)] = [
            (name: "content-type", value: contentType),
            (name: otherName, value: Array("text/csv; ; charset=gb18030".utf8)),
        ]
        let decoded = MessageDecoding.decode(value: Array("1\n".utf8), headers: headers,
                                             limits: DecodingLimits(maxValueBytes: 16, maxDecompressedBytes: 10_000))
        // 1 + 8 bytes, then 55 of the 93 bytes of 31 U+FFFD (64 in all), then the ellipsis.
        let shown = "?text/csv" + String(repeating: "?", count: 55) + "…"
        #expect(decoded == .rejected(reason: .malformed, detail: "invalid content type \"\(shown)\""))
    }

    @Test("a NUL in a content type, charset or content encoding never reaches the detail", arguments: [
        ("content-type", "text/csv\u{0}", "invalid content type \"text/csv?\""),
        ("content-type", "text/csv; charset=gb\u{0}k", "invalid content type \"text/csv; charset=gb?k\""),
        ("content-type", "text/csv; charset=\"gb\u{0}k\"", "unknown charset \"gb?k\""),
        ("content-encoding", "zstd\u{0}", "unknown content encoding \"zstd?\""),
    ])
    func nulInHeader(name: String, value: String, detail: String) {
        let decoded = MessageDecoding.decode(value: Array("{}".utf8), headers: [(name: name, value: Array(value.utf8))])
        #expect(decoded == .rejected(reason: .malformed, detail: detail))
    }
}
