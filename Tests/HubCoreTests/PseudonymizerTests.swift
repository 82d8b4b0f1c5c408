import HubCore
import HubCrypto
import Testing

@Suite("Pseudonymizer (person codes)")
struct PseudonymizerTests {
    let secret = Array("test-secret-0123456789".utf8)
    let id = "11010519491231002X"

    @Test("matches HMAC-SHA256 computed independently with openssl")
    func matchesOpenSSL() throws {
        let p = Pseudonymizer(secret: secret)
        // printf '%s' 11010519491231002X | openssl dgst -sha256 -hmac test-secret-0123456789
        #expect(try p.personCode(canonicalId: id).hex == "ef96c5fb38b4bffa37e4ff1a2c8630acf484022fe744d3b11b43683ebead303e")
        // printf '%s' student.registry_no:G3301 | openssl dgst -sha256 -hmac test-secret-0123456789
        #expect(try p.pseudonym(domain: "student.registry_no", "G3301").hex
            == "c26b181a67b36b131022d2bcccb055ab9af56529b14ca9aea2a71b9371b90aa7")
    }

    @Test("national suite: HMAC-SM3, as openssl computes it")
    func nationalSuiteIsHMACSM3() throws {
        let p = try Pseudonymizer(secret: secret, suite: .national)
        // printf '%s' 11010519491231002X | openssl dgst -sm3 -hmac test-secret-0123456789
        #expect(try p.personCode(canonicalId: id).hex == "f5aa292b8db4786d03b2526347d894001528541b5e7b886bee8feac7e8a48e6f")
        // printf '%s' student.registry_no:G3301 | openssl dgst -sm3 -hmac test-secret-0123456789
        #expect(try p.pseudonym(domain: "student.registry_no", "G3301").hex
            == "898c2363c1afa45bc31c240ddd9482c84ffd38457bf9106824fbf40749b6d558")
        #expect(try Pseudonymizer(secret: secret, suite: .international).personCode(canonicalId: id)
            == Pseudonymizer(secret: secret).personCode(canonicalId: id))
    }

        @Test("deterministic across instances; shown as 64 lower-case hex characters that read back")
    func deterministic() throws {
        let a = try Pseudonymizer(secret: secret).personCode(canonicalId: id)
        let b = try Pseudonymizer(secret: secret).personCode(canonicalId: id)
        #expect(a == b)
        #expect(a.hex.utf8.count == 64)
        #expect(a.hex.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(Digest32(hex: a.hex) == a)
        #expect(Digest32(bytes: a.bytes) == a)
    }

    @Test("a different secret gives a different code")
    func differsBySecret() throws {
        let other = Pseudonymizer(secret: Array("test-secret-0123456788".utf8))
        #expect(try other.personCode(canonicalId: id) != Pseudonymizer(secret: secret).personCode(canonicalId: id))
    }

    @Test("different domains and values give different pseudonyms")
    func differsByDomain() throws {
        let p = Pseudonymizer(secret: secret)
        let student = try p.pseudonym(domain: "student.registry_no", "G1")
        #expect(try student != p.pseudonym(domain: "teacher.staff_no", "G1"))
        #expect(try student != p.pseudonym(domain: "student.registry_no", "G2"))
        #expect(try student != p.personCode(canonicalId: "G1"))
        #expect(try student == p.pseudonym(domain: "student.registry_no", "G1"))
        #expect(try p.pseudonym(domain: "x", "y").bytes.count == 32)
    }

    @Test("safe to share across tasks")
    func concurrent() async throws {
        let p = Pseudonymizer(secret: secret)
        let expected = try p.personCode(canonicalId: id)
        let codes = try await withThrowingTaskGroup(of: Digest32.self) { group in
            for _ in 0..<16 { group.addTask { try p.personCode(canonicalId: "11010519491231002X") } }
            return try await group.reduce(into: [Digest32]()) { $0.append($1) }
        }
        #expect(codes == Array(repeating: expected, count: 16))
    }
}
