import Decoding
import HubCore

/// What every decoded message must look like, whatever the bytes (SPEC §4): a whole-value
/// verdict is `too_large` or `malformed` with a short, printable detail; records come in
/// strictly increasing rows, row 0 only for a single JSON object, CSV rows numbered 1…n.
public enum DecodingOracle {
    public enum Framing {
        case singleObject, lines, csv
        /// The headers were fuzzed too, so the format is not known.
        case unknown
    }

    public static func checkStructure(_ decoded: DecodedMessage, framing: Framing) {
        switch decoded {
        case .rejected(let reason, let detail):
            fuzzCheck(reason == .malformed || reason == .tooLarge, "whole-value reason \(reason)")
            checkDetail(detail)
        case .records(let records):
            var previous: Int32 = -1
            for (index, record) in records.enumerated() {
                fuzzCheck(record.row > previous, "row \(record.row) after row \(previous)")
                previous = record.row
                if case .malformed(_, let detail, _) = record { checkDetail(detail) }
                switch framing {
                case .singleObject:
                    fuzzCheck(records.count == 1 && record.row == 0 && record.isRecord, "a JSON value gives one record at row 0")
                case .lines:
                    fuzzCheck(record.row >= 1, "ndjson row \(record.row)")
                case .csv:
                    fuzzCheck(record.row == Int32(index + 1), "CSV row \(record.row) at index \(index)")
                case .unknown:
                    fuzzCheck(record.row >= 1 || (records.count == 1 && record.isRecord), "row 0 beside other records")
                }
            }
        }
    }

    /// A detail goes to logs, the quarantine table (through COPY) and the alerts: it must be
    /// short and hold no control characters (a NUL makes PostgreSQL refuse the row).
    public static func checkDetail(_ detail: String) {
        fuzzCheck(!detail.isEmpty, "empty detail")
        fuzzCheck(detail.utf8.count <= 256, "detail of \(detail.utf8.count) bytes")
        fuzzCheck(!detail.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "control character in detail")
    }

    /// The 1-based numbers of the lines of `text` (UTF-8, LF or CRLF line ends) that are not
    /// blank — computed here independently of the decoder: each is exactly one unit.
    public static func nonBlankLines(_ text: [UInt8]) -> [(row: Int32, content: ArraySlice<UInt8>)] {
        var lines: [(Int32, ArraySlice<UInt8>)] = []
        var row: Int32 = 0
        for line in text.split(separator: 0x0A, omittingEmptySubsequences: false) {
            row += 1
            let content = line.last == 0x0D ? line.dropLast() : line
            if content.contains(where: { !($0 == 0x20 || (0x09...0x0D).contains($0)) }) { lines.append((row, content)) }
        }
        return lines
    }

    /// `text` without a leading UTF-8 byte-order mark.
    public static func droppingBOM(_ text: [UInt8]) -> [UInt8] {
        text.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(text.dropFirst(3)) : text
    }

    /// Whether the standard library (an implementation independent of the decoder's) accepts
    /// `bytes` as UTF-8.
    public static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }
}

extension DecodedRecord {
    public var row: Int32 {
        switch self {
        case .record(let record): record.row
        case .malformed(let row, _, _): row
        }
    }

    public var isRecord: Bool {
        if case .record = self { return true }
        return false
    }

    public var text: [UInt8] {
        switch self {
        case .record(let record): record.text
        case .malformed(_, _, let text): text
        }
    }
}

extension Collection where Element: Equatable {
    /// Whether `other` occurs somewhere in this collection as a contiguous run.
    public func containsRun<C: Collection>(_ other: C) -> Bool where C.Element == Element {
        if other.isEmpty { return true }
        var start = startIndex
        while start != endIndex {
            if self[start...].starts(with: other) { return true }
            start = index(after: start)
        }
        return false
    }
}
