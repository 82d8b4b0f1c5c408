import HubCore
import Testing

@testable import Decoding

@Suite("Charsets")
struct CharsetTests {
    @Test("a UTF-8 byte-order mark at the start is ignored", arguments: [nil, "application/x-ndjson", "text/csv"])
    func utf8ByteOrderMark(contentType: String?) {
        let text = contentType == "text/csv" ? "a\n1\n" : #"{"a":"1"}"#
        let decoded = MessageFixtures.decode([0xEF, 0xBB, 0xBF] + Array(text.utf8), contentType: contentType)
        #expect(decoded.rawRecords.first?["a"] == .string("1"))
        #expect(decoded.rawRecords.first?.text.starts(with: [0xEF]) == false)
    }

    @Test("a byte-order mark later in the value is kept as text")
    func byteOrderMarkNotAtStart() {
        let decoded = MessageFixtures.decode("a\n\u{FEFF}1\n", contentType: "text/csv")
        #expect(decoded.rawRecords.first?["a"] == .string("\u{FEFF}1"))
    }

    @Test("strict UTF-8: ill-formed sequences are malformed for the whole value", arguments: [
        [0xC0, 0xAF],              // overlong "/"
        [0xE0, 0x80, 0xAF],        // overlong
        [0xF0, 0x80, 0x80, 0xAF],  // overlong
        [0xED, 0xA0, 0x80],        // surrogate U+D800
        [0xED, 0xBF, 0xBF],        // surrogate U+DFFF
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0xE5, 0xAD],              // truncated
        [0xE5],                    // truncated lead byte
        [0x80],                    // lone continuation
        [0xFF], [0xFE], [0xF5, 0x80, 0x80, 0x80],
    ] as [[UInt8]])
    func invalidUTF8(sequence: [UInt8]) {
        let value = Array(#"{"a":""#.utf8) + sequence + Array(#""}"#.utf8)
        let decoded = MessageFixtures.decode(value)
        #expect(decoded.rejectionReason == .malformed)
        #expect(decoded.rejectionDetail?.hasPrefix("invalid UTF-8") == true)
        // Also in ndjson: one bad line spoils the whole value, since charset is a whole-value check.
        let lines = Array("{\"a\":1}\n".utf8) + value
        #expect(MessageFixtures.decode(lines, contentType: "application/x-ndjson").rejectionReason == .malformed)
    }

    @Test("valid UTF-8 at every sequence length and boundary")
    func validUTF8() {
        let text = "\u{7F}\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFD}\u{FFFF}\u{10000}\u{10FFFF}学校€😀"
        #expect(UTF8Validation.firstInvalidOffset(in: Array(text.utf8)) == nil)
        #expect(UTF8Validation.firstInvalidOffset(in: [0x61, 0x62, 0xC3]) == 2)
    }

    /// The first ill-formed offset by the standard library's own UTF-8 parser: an independent
    /// reference for the validator's word-at-a-time ASCII path.
    static func referenceFirstInvalid(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var input = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &input) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    @Test("every one- and two-byte sequence, at every alignment of an ASCII run, as the standard library finds it")
    func everyShortSequenceAtEveryAlignment() {
        var mismatches = 0
        for prefix in 0...9 {
            for pair in 0..<(256 * 256 + 256) {
                let sequence: [UInt8] = pair < 256 ? [UInt8(pair)]
                    : [UInt8(truncatingIfNeeded: (pair - 256) >> 8), UInt8(truncatingIfNeeded: pair - 256)]
                let bytes = [UInt8](repeating: 0x61, count: prefix) + sequence + [UInt8](repeating: 0x62, count: 9)
                if UTF8Validation.firstInvalidOffset(in: bytes) != Self.referenceFirstInvalid(bytes) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    @Test("three- and four-byte leads with boundary continuation bytes, cut short at the end or not")
    func longerSequences() {
        let edges: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xE0, 0xFF]
        var mismatches = 0
        var checked = 0
        for lead in UInt8(0xE0)...0xF4 {
            for second in edges {
                for third in edges {
                    for fourth in edges {
                        for prefix in [0, 5, 8] {
                            for cut in 0...4 {
                                let sequence = Array([lead, second, third, fourth].prefix(cut == 0 ? 4 : cut))
                                let bytes = [UInt8](repeating: 0x20, count: prefix) + sequence + (cut == 0 ? Array("tail-end".utf8) : [])
                                checked += 1
                                if UTF8Validation.firstInvalidOffset(in: bytes) != Self.referenceFirstInvalid(bytes) { mismatches += 1 }
                            }
                        }
                    }
                }
            }
        }
        #expect(checked == 21 * 12 * 12 * 12 * 3 * 5)
        #expect(mismatches == 0)
    }

    @Test("random mixtures of ASCII runs, valid scalars and broken bytes, as the standard library finds them")
    func randomMixtures() {
        let pieces: [[UInt8]] = [
            Array("school_code".utf8), Array("2024-09-01T08:00:00+08:00".utf8), Array("学校".utf8), Array("😀".utf8),
            Array("é".utf8), [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE5, 0xAD], [0xFF],
            Array("x".utf8), Array("0123456789abcdef".utf8),
        ]
        var mixer = PieceMixer(seed: 0x9E37_79B9_7F4A_7C15)
        var mismatches = 0
        var invalid = 0
        for _ in 0..<20_000 {
            // Broken pieces are rarer, so many cases are valid and the ASCII runs are long.
            let bytes = mixer.value(of: pieces, mostlyFrom: [0, 1, 2, 3, 4, 11, 12], pieces: 12, otherOneIn: 4)
            let expected = Self.referenceFirstInvalid(bytes)
            if expected != nil { invalid += 1 }
            if UTF8Validation.firstInvalidOffset(in: bytes) != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(invalid > 2_000 && invalid < 18_000)
    }

    /// A decoding's outcome as text: the UTF-8 bytes, or the failure's reason and detail.
    static func outcome(_ decode: () throws(DecodingFailure) -> [UInt8]) -> String {
        do {
            return "ok \(try decode())"
        } catch {
            return "\(error.reason) \(error.detail)"
        }
    }

    @Test("GB18030: every two-byte sequence (and every other byte pair) decodes as iconv decodes the whole value")
    func gb18030EveryPairAsIconv() throws {
        let table = try #require(GB18030Decoder.twoByteTable)
        // The table holds every two-byte sequence (126 leads × 190 trails) that iconv decodes
        // to a character of the BMP; the few it maps beyond (U+20087 and others, four UTF-8
        // bytes) are left to iconv.
        var inBMP = 0
        for lead in UInt8(0x81)...0xFE {
            for trail in UInt8(0x40)...0xFE where trail != 0x7F {
                if let utf8 = try? GB18030Decoder.decodeWithIconv([lead, trail]), utf8.count <= 3 { inBMP += 1 }
            }
        }
        #expect(inBMP > 126 * 190 - 20)
        #expect(table.filter { $0 != 0 }.count == inBMP)
        var mismatches = 0
        var byTable = 0
        for lead in 0x80...0xFF {
            for trail in 0x00...0xFF {
                let bytes = Array("a,".utf8) + [UInt8(lead), UInt8(trail)] + Array(",z".utf8)
                if GB18030Decoder.decodeByTable(bytes, table) != nil { byTable += 1 }
                let fast = Self.outcome { () throws(DecodingFailure) in try GB18030Decoder.decode(bytes) }
                let reference = Self.outcome { () throws(DecodingFailure) in try GB18030Decoder.decodeWithIconv(bytes) }
                if fast != reference { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(byTable == inBMP)
    }

    @Test("GB18030: random mixtures of ASCII, two- and four-byte sequences and broken bytes decode as iconv decodes them")
    func gb18030RandomMixtures() {
        let pieces: [[UInt8]] = [
            Array("3133001234,".utf8), [0xD5, 0xC5], [0xC8, 0xFD], [0xA2, 0xE3], [0x95, 0x32, 0x82, 0x36], [0x81, 0x30, 0x81, 0x30],
            [0x84, 0x31, 0x95, 0x33], [0xFE, 0xFE], [0xA1, 0x40], [0x80], [0xFF], [0x81], [0x81, 0x30], [0x81, 0x7F], Array("\n".utf8),
        ]
        var mixer = PieceMixer(seed: 0x2545_F491_4F6C_DD1D)
        var mismatches = 0
        var failures = 0
        for _ in 0..<5_000 {
            let bytes = mixer.value(of: pieces, mostlyFrom: [0, 1, 2, 3, 7, 8, 14], pieces: 16, otherOneIn: 5)
            let reference = Self.outcome { () throws(DecodingFailure) in try GB18030Decoder.decodeWithIconv(bytes) }
            if !reference.hasPrefix("ok") { failures += 1 }
            if Self.outcome({ () throws(DecodingFailure) in try GB18030Decoder.decode(bytes) }) != reference { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(failures > 500 && failures < 4_500)
    }

    @Test("GBK input decodes as GB18030")
    func gbk() {
        // "学校代码,姓名\n3133001234,张三\n" in GBK.
        let csv: [UInt8] = [
            0xD1, 0xA7, 0xD0, 0xA3, 0xB4, 0xFA, 0xC2, 0xEB, 0x2C, 0xD0, 0xD5, 0xC3, 0xFB, 0x0A,
            0x33, 0x31, 0x33, 0x33, 0x30, 0x30, 0x31, 0x32, 0x33, 0x34, 0x2C, 0xD5, 0xC5, 0xC8, 0xFD, 0x0A,
        ]
        let record = MessageFixtures.decode(csv, contentType: "text/csv; charset=gbk").rawRecords.first
        #expect(record?["学校代码"] == .string("3133001234"))
        #expect(record?["姓名"] == .string("张三"))
        #expect(record?.textString == "3133001234,张三")
    }

    @Test("GB18030 four-byte sequences decode, including outside the BMP")
    func gb18030FourByte() {
        // {"姓名":"张三","x":"€𠀀"}: € is A2 E3, U+20000 is the four-byte 95 32 82 36.
        let json: [UInt8] = [
            0x7B, 0x22, 0xD0, 0xD5, 0xC3, 0xFB, 0x22, 0x3A, 0x22, 0xD5, 0xC5, 0xC8,
            0xFD, 0x22, 0x2C, 0x22, 0x78, 0x22, 0x3A, 0x22, 0xA2, 0xE3, 0x95, 0x32,
            0x82, 0x36, 0x22, 0x7D,
        ]
        let record = MessageFixtures.decode(json, contentType: "application/json; charset=gb18030").rawRecords.first
        #expect(record?["姓名"] == .string("张三"))
        #expect(record?["x"] == .string("€\u{20000}"))
        #expect(record?.textString == #"{"姓名":"张三","x":"€𠀀"}"#)
    }

    @Test("a leading U+FEFF is dropped after GB18030 decoding")
    func gb18030ByteOrderMark() {
        let value: [UInt8] = [0x84, 0x31, 0x95, 0x33] + Array(#"{"a":1}"#.utf8)
        #expect(MessageFixtures.decode(value, contentType: "application/json;charset=GB18030").rawRecords.count == 1)
    }

    @Test("bytes invalid or truncated in GB18030 are malformed for the whole value", arguments: [
        [0x80], [0xFF], [0xD1], [0xD1, 0x20], [0x81, 0x30], [0x81, 0x30, 0x81], [0x84, 0x31, 0xA5, 0x30],
        [0xFE, 0x39, 0xFE, 0x39],
    ] as [[UInt8]])
    func invalidGB18030(sequence: [UInt8]) {
        for charset in ["gbk", "gb18030"] {
            let value = Array("a\n".utf8) + sequence
            let decoded = MessageFixtures.decode(value, contentType: "text/csv; charset=\(charset)")
            #expect(decoded.rejectionReason == .malformed)
            #expect(decoded.rejectionDetail?.contains("GB18030") == true)
        }
    }

    @Test("UTF-8 text read as GBK fails when it leaves a byte dangling")
    func utf8ReadAsGBK() {
        // "学" in UTF-8 is E5 AD A6: one GB18030 pair, then a truncated lead byte.
        let decoded = MessageFixtures.decode(Array("a\n学".utf8), contentType: "text/csv; charset=gbk")
        #expect(decoded.rejectionReason == .malformed)
        #expect(decoded.rejectionDetail?.hasPrefix("truncated GB18030") == true)
    }
}

/// Values joined from pieces by a fixed-seed generator (a PCG-style step), so a failure is the
/// same on every run: fewer than `pieces` pieces each, most from `mostlyFrom` (indices into the
/// pieces), one in `otherOneIn` from all of them.
struct PieceMixer {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }

    mutating func value(of all: [[UInt8]], mostlyFrom common: [Int], pieces: Int, otherOneIn rare: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<next(pieces) {
            bytes += next(rare) == 0 ? all[next(all.count)] : all[common[next(common.count)]]
        }
        return bytes
    }
}
