import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A JSON value as the truth writes it: text (a JSON string), a bare JSON token (a number,
/// `null`, an array), or a field written twice (a malformed object).
enum TruthValue {
    case text(String)
    case token(String)
}

/// Writes raw values by hand, per SPEC §2: JSON objects, ndjson, RFC 4180 CSV, GB18030 via
/// the C library's iconv, and zstd frames made of raw and RLE blocks (valid frames per RFC
/// 8878 that need no compressor) — nothing from the pipeline.
enum TruthEncoding {
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func jsonObject(_ fields: [(String, TruthValue)]) -> String {
        "{" + fields.map { name, value in
            let v: String
            switch value {
            case .text(let s): v = jsonString(s)
            case .token(let t): v = t
            }
            return jsonString(name) + ":" + v
        }.joined(separator: ",") + "}"
    }

    /// One CSV field: quoted when it holds a comma, quote, line break or edge whitespace.
    static func csvField(_ s: String) -> String {
        let needsQuotes = s.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
            || s.first?.isWhitespace == true || s.last?.isWhitespace == true
        return needsQuotes ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func csvLine(_ fields: [String]) -> String { fields.map(csvField).joined(separator: ",") }

    // MARK: charsets

    /// `text` in GB18030 (a superset of GBK), by glibc's iconv.
    static func gb18030(_ text: String) throws -> [UInt8] {
        guard let cd = iconv_open("GB18030", "UTF-8"), cd != iconv_t(bitPattern: -1) else {
            throw TruthError("iconv has no GB18030 converter")
        }
        defer { iconv_close(cd) }
        var source = Array(text.utf8).map { CChar(bitPattern: $0) }
        var result: [UInt8] = []
        var chunk = [CChar](repeating: 0, count: 65536)
        let ok = source.withUnsafeMutableBufferPointer { src -> Bool in
            var inPointer: UnsafeMutablePointer<CChar>? = src.baseAddress
            var inLeft = src.count
            while inLeft > 0 {
                let (status, produced): (Int, Int) = chunk.withUnsafeMutableBufferPointer { out in
                    var outPointer: UnsafeMutablePointer<CChar>? = out.baseAddress
                    var outLeft = out.count
                    let s = iconv(cd, &inPointer, &inLeft, &outPointer, &outLeft)
                    return (s, out.count - outLeft)
                }
                result += chunk[0..<produced].map { UInt8(bitPattern: $0) }
                if status == -1 && errno != E2BIG { return false }
            }
            return true
        }
        guard ok else { throw TruthError("GB18030 cannot encode a text of the truth") }
        return result
    }

    // MARK: zstd (RFC 8878) without a compressor

    static let zstdMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
    static let maxBlock = 128 * 1024

    /// A zstd frame of raw blocks: with the content size in the frame header (single
    /// segment) or without it (a 128 KiB window descriptor instead).
    static func zstdFrame(_ content: [UInt8], withContentSize: Bool) -> [UInt8] {
        var out = zstdMagic
        if withContentSize {
            out.append(0xA0)  // FCS field 4 bytes, single segment
            out += littleEndian(UInt32(content.count), bytes: 4)
        } else {
            out.append(0x00)
            out.append(7 << 3)  // window 2^(10+7) = 128 KiB
        }
        var start = 0
        repeat {
            let end = min(content.count, start + maxBlock)
            let last: UInt32 = end == content.count ? 1 : 0
            out += littleEndian(last | (0 << 1) | UInt32(end - start) << 3, bytes: 3)
            out += content[start..<end]
            start = end
        } while start < content.count
        return out
    }

    /// A frame of `head` (raw blocks), `run.count` copies of `run.byte` (RLE blocks: a few
    /// bytes for any size) and `tail`: a large value that stays small as stored.
    static func zstdFrame(_ head: [UInt8], run: (byte: UInt8, count: Int), tail: [UInt8]) -> [UInt8] {
        var out = zstdMagic + [0x00, 7 << 3]
        func raw(_ bytes: ArraySlice<UInt8>, last: Bool) {
            out += littleEndian((last ? 1 : 0) | UInt32(bytes.count) << 3, bytes: 3)
            out += bytes
        }
        var start = 0
        while start < head.count {
            let end = min(head.count, start + maxBlock)
            raw(head[start..<end], last: false)
            start = end
        }
        var left = run.count
        while left > 0 {
            let n = min(left, maxBlock)
            left -= n
            out += littleEndian((1 << 1) | UInt32(n) << 3, bytes: 3)
            out.append(run.byte)
        }
        raw(tail[...], last: true)
        return out
    }

    /// A frame of RLE blocks: `count` copies of `byte`, a few bytes for any size (a bomb).
    static func zstdRLEFrame(byte: UInt8, count: Int) -> [UInt8] {
        var out = zstdMagic + [0x00, 7 << 3]
        var left = count
        while left > 0 {
            let n = min(left, maxBlock)
            left -= n
            out += littleEndian((left == 0 ? 1 : 0) | (1 << 1) | UInt32(n) << 3, bytes: 3)
            out.append(byte)
        }
        return out
    }

    static func littleEndian(_ v: UInt32, bytes: Int) -> [UInt8] {
        (0..<bytes).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) }
    }
}

/// The truth could not be built or compared.
struct TruthError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
