import HubCore

/// Turns one raw Kafka message value and its headers into records, or into a whole-value
/// quarantine (SPEC §2 and §4).
///
/// Whole-value checks run first, in SPEC's order: `too_large` (the stored value over
/// ``DecodingLimits/maxValueBytes``, or the zstd content over
/// ``DecodingLimits/maxDecompressedBytes``), then `malformed` (null or zero-length value,
/// unknown content type, charset or content encoding, broken zstd frame, bytes invalid in the
/// charset, an application/json value that is not exactly one valid object). The value is
/// decompressed before its content type is looked at, so a zstd bomb is `too_large` whatever
/// it claims to be. Then each record is parsed on its own.
///
/// Decoding is a pure function of its inputs: it never crashes or hangs on any bytes.
public enum MessageDecoding {
    /// Decodes one message value.
    ///
    /// - Parameters:
    ///   - value: the Kafka message value; nil for a null value.
    ///   - headers: the Kafka headers in arrival order.
    ///   - limits: the size limits of the `too_large` check.
    public static func decode(
        value: [UInt8]?,
        headers: [(name: String, value: [UInt8]?)],
        limits: DecodingLimits = DecodingLimits()
    ) -> DecodedMessage {
        do {
            return .records(try records(value: value, headers: MessageHeaders(headers), limits: limits))
        } catch {
            return .rejected(reason: error.reason, detail: error.detail)
        }
    }

    private static func records(
        value: [UInt8]?, headers: MessageHeaders, limits: DecodingLimits
    ) throws(DecodingFailure) -> [DecodedRecord] {
        guard let value else { throw .malformed("null value") }
        guard value.count <= limits.maxValueBytes else {
            throw .tooLarge("value of \(value.count) bytes exceeds \(limits.maxValueBytes) bytes")
        }
        guard !value.isEmpty else { throw .malformed("zero-length value") }

        let encoding = try ContentEncoding(header: headers.value(named: "content-encoding"))
        let content = try encoding.decode(value, maxBytes: limits.maxDecompressedBytes)
        let contentType = try ContentType(header: headers.value(named: "content-type"))
        let text = try contentType.charset.decodeToUTF8(content)
        return try contentType.format.records(in: text)
    }
}
