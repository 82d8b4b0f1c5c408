/// Encryption at rest of raw bytes (the quarantine's and the raw zone's): counter mode under
/// the suite's block cipher, then the suite's HMAC over everything before the tag
/// (encrypt-then-MAC; this OpenSSL has no SM4-GCM).
///
/// A sealed value is self-describing, so values sealed under older keys or the other suite
/// stay readable as long as their key file is given:
///
/// ```
/// 0      1        2      3...6            7...22   23...n-33    n-32...n-1
/// 0xEC   version  suite  key fingerprint  IV (16)  ciphertext   tag (32)
/// ```
///
/// From one secret (a key file, ≥ 16 bytes) each suite derives three independent values with
/// its HMAC: the cipher key, the MAC key and a 4-byte fingerprint that names the key in the
/// sealed value (so the secret itself is never stored or compared).
public struct AtRestKeyring: Sendable {
    /// The key new values are sealed with.
    public let sealing: AtRestKey
    private let opening: [AtRestKey]

    /// - Parameters:
    ///   - secrets: the key files' contents; the first seals, every one opens (older keys).
    ///   - suite: the suite new values are sealed under.
    public init(secrets: [[UInt8]], suite: CipherSuite) throws(CryptoError) {
        guard let first = secrets.first else { throw CryptoError(.invalidKey, "no at-rest key given") }
        try suite.check()
        sealing = try AtRestKey(secret: first, suite: suite)
        var all: [AtRestKey] = []
        for secret in secrets {
            for s in CipherSuite.allCases where s.digest.isAvailable && s.cipher.isAvailable {
                all.append(try AtRestKey(secret: secret, suite: s))
            }
        }
        opening = all
    }

    static let marker: UInt8 = 0xEC
    static let version: UInt8 = 1
    static let headerSize = 7 + BlockCipher.blockSize
    static let overhead = headerSize + DigestAlgorithm.outputSize

    /// `plain` sealed under ``sealing`` with a fresh random IV.
    /// - Throws: ``CryptoError`` `.libraryFailure` when libcrypto fails (nothing half-sealed is returned).
    public func seal(_ plain: [UInt8]) throws(CryptoError) -> [UInt8] {
        let key = sealing
        let iv = try secureRandomBytes(BlockCipher.blockSize)
        var out: [UInt8] = [Self.marker, Self.version, key.suite.id] + key.fingerprint + iv
        out.reserveCapacity(Self.overhead + plain.count)
        out += try key.suite.cipher.ctr(key: key.cipherKey, iv: iv, plain)
        out += try key.mac.authenticate(out)
        return out
    }

    /// The plain bytes of a sealed value.
    ///
    /// - Throws: ``CryptoError`` `.notSealed` (not this format), `.unknownKey` (no configured
    ///   key has its fingerprint), `.authenticationFailed` (altered, or a colliding key).
    public func open(_ sealed: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= Self.overhead, sealed[0] == Self.marker, sealed[1] == Self.version,
              let suite = CipherSuite(id: sealed[2]) else {
            throw CryptoError(.notSealed, "not a sealed value (format \(Self.version))")
        }
        let fingerprint = Array(sealed[3..<7])
        let candidates = opening.filter { $0.suite == suite && $0.fingerprint == fingerprint }
        guard !candidates.isEmpty else {
            throw CryptoError(.unknownKey, "sealed under \(suite.rawValue) key \(hex(fingerprint)), which no configured key file matches")
        }
        let tagAt = sealed.count - DigestAlgorithm.outputSize
        let body = Array(sealed[..<tagAt])
        let tag = Array(sealed[tagAt...])
        for key in candidates where constantTimeEqual(try key.mac.authenticate(body), tag) {
            let iv = Array(sealed[7..<Self.headerSize])
            return try suite.cipher.ctr(key: key.cipherKey, iv: iv, Array(sealed[Self.headerSize..<tagAt]))
        }
        throw CryptoError(.authenticationFailed, "sealed value fails authentication: altered, or sealed under another key")
    }

    /// Whether `bytes` start like a sealed value (cheap; ``open(_:)`` decides).
    public static func looksSealed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= overhead && bytes[0] == marker && bytes[1] == version
    }

    private func hex(_ b: [UInt8]) -> String { b.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// One secret's keys under one suite.
public struct AtRestKey: Sendable {
    public let suite: CipherSuite
    /// Names the key inside sealed values (4 bytes of the suite's HMAC of a fixed label).
    public let fingerprint: [UInt8]
    let cipherKey: [UInt8]
    let mac: KeyedMAC

    /// - Throws: ``CryptoError`` `.invalidKey` for a secret shorter than 16 bytes.
    public init(secret: [UInt8], suite: CipherSuite) throws(CryptoError) {
        guard secret.count >= 16 else { throw CryptoError(.invalidKey, "an at-rest key must be at least 16 bytes") }
        let master = try KeyedMAC(suite.digest, key: secret)
        self.suite = suite
        cipherKey = Array(try master.authenticate(Array("eduhub at-rest cipher key v1".utf8)).prefix(suite.cipher.keySize))
        mac = try KeyedMAC(suite.digest, key: try master.authenticate(Array("eduhub at-rest mac key v1".utf8)))
        fingerprint = Array(try master.authenticate(Array("eduhub at-rest key id v1".utf8)).prefix(4))
    }
}
