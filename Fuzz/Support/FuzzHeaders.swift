/// Kafka headers built from fuzz bytes: mostly the headers SPEC §2 gives meaning to, in any
/// case and with plausible or hostile values, sometimes arbitrary names and bytes, repeated or
/// null — everything a producer can send.
public enum FuzzHeaders {
    static let names = [
        "content-type", "Content-Type", "CONTENT-TYPE", "content-encoding", "Content-Encoding", "CONTENT-ENCODING",
        "content-typ", "content-type ", "charset", "",
    ]

    static let contentTypes = [
        "application/json", "application/x-ndjson", "text/csv", "text/csv; charset=gbk", "text/csv;charset=GB18030",
        "application/x-ndjson; charset=utf-8", "application/json; charset=\"gbk\"", "Application/X-NDJSON ; Charset = GBK",
        "text/csv; charset=utf8", "text/plain", "text/csv;", "text/csv; ; charset=gb18030", "text/csv; charset=\"gb\\18030\"",
        "application/json; charset=", "application/json; charset=\"utf-8", "/", "text/", "", " text/csv ",
    ]

    static let encodings = ["zstd", "ZSTD", " zstd ", "identity", "", "gzip", "zstd, identity", "x-zstd"]

    /// Zero to three headers, from the next bytes.
    public static func read(_ input: inout FuzzBytes) -> [(name: String, value: [UInt8]?)] {
        let count = Int(input.byte() % 4)
        var headers: [(name: String, value: [UInt8]?)] = []
        for _ in 0..<count {
            let nameChoice = Int(input.byte())
            let name = nameChoice < 200
                ? names[nameChoice % names.count]
                : String(decoding: input.shortBytes(), as: UTF8.self)
            let valueChoice = Int(input.byte())
            let value: [UInt8]?
            switch valueChoice {
            case 0..<8: value = nil
            case 8..<100: value = Array(contentTypes[valueChoice % contentTypes.count].utf8)
            case 100..<180: value = Array(encodings[valueChoice % encodings.count].utf8)
            default: value = input.shortBytes()
            }
            headers.append((name: name, value: value))
        }
        return headers
    }
}
