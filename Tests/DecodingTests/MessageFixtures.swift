import Decoding
import HubCore

/// Builds messages the way a producer would and reads decoded results back.
enum MessageFixtures {
    static func decode(
        _ value: [UInt8]?,
        contentType: String? = nil,
        contentEncoding: String? = nil,
        limits: DecodingLimits = DecodingLimits()
    ) -> DecodedMessage {
        var headers: [(name: String, value: [UInt8]?)] = []
        if let contentType { headers.append((name: "content-type", value: Array(contentType.utf8))) }
        if let contentEncoding { headers.append((name: "content-encoding", value: Array(contentEncoding.utf8))) }
        return MessageDecoding.decode(value: value, headers: headers, limits: limits)
    }

    static func decode(_ text: String, contentType: String? = nil) -> DecodedMessage {
        decode(Array(text.utf8), contentType: contentType)
    }
}

extension DecodedMessage {
    /// The records, or nil if the value was rejected.
    var records: [DecodedRecord]? {
        if case .records(let records) = self { return records }
        return nil
    }

    /// The whole-value reason, or nil if the value decoded into records.
    var rejectionReason: QuarantineReason? {
        if case .rejected(let reason, _) = self { return reason }
        return nil
    }

    var rejectionDetail: String? {
        if case .rejected(_, let detail) = self { return detail }
        return nil
    }

    /// The parsed records only, in order.
    var rawRecords: [RawRecord] {
        (records ?? []).compactMap(\.rawRecord)
    }
}

extension DecodedRecord {
    var rawRecord: RawRecord? {
        if case .record(let record) = self { return record }
        return nil
    }

    /// The row of a malformed record, nil for a parsed one.
    var malformedRow: Int32? {
        if case .malformed(let row, _, _) = self { return row }
        return nil
    }

    var row: Int32 {
        switch self {
        case .record(let record): record.row
        case .malformed(let row, _, _): row
        }
    }

    var text: [UInt8] {
        switch self {
        case .record(let record): Array(record.text)
        case .malformed(_, _, let text): text
        }
    }
}

extension RawRecord {
    /// The value of the field called `name`, nil if absent.
    subscript(name: String) -> RawValue? {
        fields.first { $0.name == name }?.value
    }

    var textString: String { String(decoding: text, as: UTF8.self) }
}
