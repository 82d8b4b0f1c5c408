import HubCore
import Testing
@testable import SinkCore

@Suite("Key filter")
struct KeyFilterTests {
    static func key(_ n: Int) -> Digest32 { Digest32.sha256(Array("key-\(n)".utf8)) }

    @Test("every inserted key is reported, across growth (no false negative)")
    func noFalseNegatives() {
        var f = KeyFilter(expected: 1000)
        for n in 0..<50_000 { f.insert(Self.key(n)) }
        let missing = (0..<50_000).filter { !f.mightContain(Self.key($0)) }.count
        #expect(missing == 0)
        #expect(f.count == 50_000)
    }

    @Test("keys never inserted are rarely reported (false positives under 1 %)")
    func fewFalsePositives() {
        var f = KeyFilter(expected: 20_000)
        for n in 0..<20_000 { f.insert(Self.key(n)) }
        let falsePositives = (20_000..<120_000).filter { f.mightContain(Self.key($0)) }.count
        #expect(falsePositives < 1_000, "\(falsePositives) false positives in 100,000")
    }
}
