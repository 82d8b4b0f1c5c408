import HubCrypto
import Testing

private func hex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(s.utf8).makeIterator()
    while let hi = chars.next(), let lo = chars.next() {
        out.append(UInt8(String(decoding: [hi, lo], as: UTF8.self), radix: 16) ?? 0)
    }
    return out
}

private func hex(_ b: [UInt8]) -> String {
    b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// Published vectors first (GB/T 32905 SM3, GB/T 32907 SM4, FIPS 180-4/197, RFC 4231); where no
/// published vector exists (HMAC-SM3, SM4-CTR) an independent construction from the verified
/// primitive, and the value `openssl dgst`/`openssl enc` print for the same input.
@Suite struct NationalAlgorithmVectors {
    @Test func sm3OfAbc() throws {
        #expect(try hex(DigestAlgorithm.sm3.hash(Array("abc".utf8)))
                == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    }

    @Test func sm3OfTheStandards512BitMessage() throws {
        let message = Array(String(repeating: "abcd", count: 16).utf8)
        #expect(message.count == 64)
        #expect(try hex(DigestAlgorithm.sm3.hash(message))
                == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
    }

    @Test func sm4ExampleBlock() throws {
        let key = hex("0123456789abcdeffedcba9876543210")
        #expect(hex(try BlockCipher.sm4.encryptBlock(key: key, key)) == "681edf34d206965e86b3e94f536e4246")
    }

    /// GB/T 32907 example 2: the same block encrypted 1,000,000 times.
    @Test func sm4ExampleBlockAMillionTimes() throws {
        let key = hex("0123456789abcdeffedcba9876543210")
        var block = key
        for _ in 0..<1_000_000 { block = try BlockCipher.sm4.encryptBlock(key: key, block) }
        #expect(hex(block) == "595298c7c6fd271f0402f804c33d3f66")
    }

    @Test func sha256AndAES256() throws {
        #expect(try hex(DigestAlgorithm.sha256.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        #expect(hex(try BlockCipher.aes256.encryptBlock(key: key, hex("00112233445566778899aabbccddeeff")))
                == "8ea2b7ca516745bfeafc49904b496089")
    }

    @Test func hmacSHA256OfRFC4231Case2() throws {
        let mac = try KeyedMAC(.sha256, key: Array("Jefe".utf8))
        #expect(try hex(mac.authenticate(Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// RFC 2104 written out over the (vector-checked) SM3, for short and long keys and messages;
    /// and the value `openssl dgst -sm3 -hmac Jefe` prints.
    @Test func hmacSM3AgainstRFC2104OverSM3() throws {
        func reference(_ key: [UInt8], _ message: [UInt8]) throws -> [UInt8] {
            var k = key.count > 64 ? try DigestAlgorithm.sm3.hash(key) : key
            k += [UInt8](repeating: 0, count: 64 - k.count)
            let inner = try DigestAlgorithm.sm3.hash(k.map { $0 ^ 0x36 } + message)
            return try DigestAlgorithm.sm3.hash(k.map { $0 ^ 0x5c } + inner)
        }
        let jefe = try KeyedMAC(.sm3, key: Array("Jefe".utf8))
        #expect(try hex(jefe.authenticate(Array("what do ya want for nothing?".utf8)))
                == "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882")
        for (keyLength, messageLength) in [(1, 0), (16, 18), (64, 64), (65, 200), (131, 1000)] {
            let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
            let message = (0..<messageLength).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            #expect(try KeyedMAC(.sm3, key: key).authenticate(message) == (try reference(key, message)))
        }
    }

    /// Counter mode = the ECB encryption of IV, IV+1, … (a 128-bit big-endian counter, carrying
    /// across bytes) XORed with the text; and what `openssl enc -sm4-ctr` prints.
    @Test func sm4CounterMode() throws {
        let key = hex("0123456789abcdeffedcba9876543210")
        let iv = hex("000102030405060708090a0b0c0dffff")
        let plain = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!?".utf8)
        let encrypted = try BlockCipher.sm4.ctr(key: key, iv: iv, plain)
        #expect(hex(encrypted) == "8032da67368a17d9efc11b7189e4ae5d6aadab57bfd9d1f109fa4d43639e6e09"
                                + "5dee15a857d813ebec87e60591e780618cff5f9ce1844a8e30d65722b10d4d52")
        var counter = iv
        var expected: [UInt8] = []
        for start in stride(from: 0, to: plain.count, by: 16) {
            let pad = try BlockCipher.sm4.encryptBlock(key: key, counter)
            for i in start..<min(start + 16, plain.count) { expected.append(plain[i] ^ pad[i - start]) }
            var j = 15
            while j >= 0 { counter[j] &+= 1; if counter[j] != 0 { break }; j -= 1 }
        }
        #expect(encrypted == expected)
        #expect(try BlockCipher.sm4.ctr(key: key, iv: iv, encrypted) == plain)
    }

    @Test func wrongKeySizesAreRefused() throws {
        #expect(throws: CryptoError.self) { try BlockCipher.sm4.ctr(key: [1, 2, 3], iv: [UInt8](repeating: 0, count: 16), [1]) }
        #expect(throws: CryptoError.self) { try KeyedMAC(.sm3, key: []) }
        #expect(throws: CryptoError.self) { try CipherSuite(setting: "sm2") }
    }
}

@Suite struct SealedValues {
    let old = Array("an older key of the operators!!!".utf8)
    let current = Array("the current at-rest key, 32 byte".utf8)

    @Test(arguments: CipherSuite.allCases)
    func sealOpenRoundTripAndTamperDetection(suite: CipherSuite) throws {
        let ring = try AtRestKeyring(secrets: [current], suite: suite)
        for size in [0, 1, 15, 16, 17, 4096] {
            let plain = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
            let sealed = try ring.seal(plain)
            #expect(sealed.count == plain.count + 7 + 16 + 32)
            #expect(sealed[2] == (suite == .national ? 2 : 1))
            if size >= 16 { #expect(Array(sealed[23..<39]) != Array(plain[0..<16])) }
            #expect(try ring.open(sealed) == plain)
            for position in [0, 2, 3, 10, 23, sealed.count - 1] where position < sealed.count {
                var altered = sealed
                altered[position] ^= 0x01
                #expect(throws: CryptoError.self) { try ring.open(altered) }
            }
        }
        // Two seals of the same bytes differ (random IV).
        #expect(try ring.seal([1, 2, 3]) != ring.seal([1, 2, 3]))
    }

    @Test func olderKeysAndTheOtherSuiteStillOpen() throws {
        let before = try AtRestKeyring(secrets: [old], suite: .international)
        let sealedBefore = try before.seal(Array("raw bytes".utf8))
        let after = try AtRestKeyring(secrets: [current, old], suite: .national)
        #expect(try after.open(sealedBefore) == Array("raw bytes".utf8))
        let sealedAfter = try after.seal(Array("new".utf8))
        #expect(sealedAfter[2] == 2)
        do {
            _ = try before.open(sealedAfter)
            Issue.record("opened a value sealed under a key it does not have")
        } catch {
            #expect(error.code == .unknownKey)
        }
        #expect(throws: CryptoError.self) { try AtRestKeyring(secrets: [Array("short".utf8)], suite: .national) }
    }
}
