import HubCore
import Testing

@Suite("A string's UTF-8 compared with bytes")
struct UTF8BytesTests {
    /// Small (inline) and large strings, ASCII and not, the empty one.
    static let texts = ["", "a", "school_code", "学校代码", "registry_no_of_the_student_x", "学籍号学籍号学籍号学籍号学籍号", "id\u{0}x"]

    @Test("equal exactly when the bytes are, for arrays, slices, views and other collections")
    func matchesBytewiseEquality() {
        for a in Self.texts {
            for b in Self.texts {
                let bytes = Array(b.utf8)
                let expected = Array(a.utf8) == bytes
                #expect(a.hasUTF8(bytes) == expected, "\(a) vs \(b) as an array")
                let padded = [0x20] + bytes + [0x20]
                #expect(a.hasUTF8(padded[1..<(padded.count - 1)]) == expected, "\(a) vs \(b) as a slice")
                #expect(a.hasUTF8(b.utf8) == expected, "\(a) vs \(b) as a view")
                #expect(a.hasUTF8(bytes.lazy.map { $0 }) == expected, "\(a) vs \(b) as a non-contiguous collection")
            }
        }
    }

    @Test("one changed byte anywhere, or one byte more or less, is a difference")
    func everyByteCounts() {
        for text in Self.texts where !text.isEmpty {
            let bytes = Array(text.utf8)
            for i in bytes.indices {
                var changed = bytes
                changed[i] ^= 0x01
                #expect(!text.hasUTF8(changed), "\(text), byte \(i) changed")
            }
            #expect(!text.hasUTF8(bytes.dropLast()))
            #expect(!text.hasUTF8(bytes + [0x61]))
        }
    }
}
