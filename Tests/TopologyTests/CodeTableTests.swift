import Testing
import Topology

/// A code lookup finds a key byte for byte, and still a canonically equivalent spelling (as
/// String equality has it), and nothing else.
@Suite("Code tables: exact lookup")
struct CodeTableTests {
    let table = CodeTable(name: "t", match: .exact, entries: ["男": 1, "女": 2, "M": 1, "在读": 4, "\u{E9}tudiant": 7, "": 9])

    @Test func keysFoundByTheirBytes() {
        #expect(table.code(for: "男") == 1)
        #expect(table.code(for: "女") == 2)
        #expect(table.code(for: "M") == 1)
        #expect(table.code(for: "在读") == 4)
        #expect(table.code(for: "") == 9)
    }

    @Test func aCanonicallyEquivalentSpellingStillMatches() {
        // "é" decomposed (e + combining acute) equals the precomposed key as a String.
        let decomposed = "e\u{301}tudiant"
        #expect(Array(decomposed.utf8) != Array("\u{E9}tudiant".utf8))
        #expect(table.code(for: decomposed) == 7)
    }

    @Test func otherTextsAreNotCodes() {
        for text in ["m", "男 ", "在", "在读书", "F", "1", "\u{E9}tudiants"] {
            #expect(table.code(for: text) == nil, "\(text)")
        }
    }

    @Test func changedEntriesAreSeen() {
        var t = table
        t.entries["F"] = 2
        t.entries["男"] = nil
        #expect(t.code(for: "F") == 2)
        #expect(t.code(for: "男") == nil)
    }
}
