/// What the `content-type` header says about a value (SPEC §2): how to split it into records
/// and which charset its bytes are in. Absent means `application/json` in UTF-8.
struct ContentType {
    var format: any RecordFormat.Type
    var charset: TextCharset

    init(header: [UInt8]?) throws(DecodingFailure) {
        guard let header else {
            format = SingleObjectFormat.self
            charset = .utf8
            return
        }
        let text = String(decoding: header, as: UTF8.self)
        guard let mediaType = MediaType(text) else {
            throw .malformed("invalid content type \(DecodingFailure.quoted(text))")
        }
        guard let format = RecordFormats.format(for: mediaType.essence) else {
            throw .malformed("unknown content type \(DecodingFailure.quoted(mediaType.essence))")
        }
        self.format = format
        if let name = mediaType.parameters["charset"] {
            guard let charset = TextCharset(parameter: name) else {
                throw .malformed("unknown charset \(DecodingFailure.quoted(name))")
            }
            self.charset = charset
        } else {
            charset = .utf8
        }
    }
}
