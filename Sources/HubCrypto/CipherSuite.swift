/// The one setting that picks every algorithm (`HUB_CRYPTO_SUITE`, `--crypto-suite`).
///
/// | suite | person codes and pseudonyms | raw bytes at rest |
/// | --- | --- | --- |
/// | `international` (default) | HMAC-SHA256 | AES-256-CTR + HMAC-SHA256 |
/// | `national` (商用密码) | HMAC-SM3 | SM4-CTR + HMAC-SM3 |
///
/// Sealed values name their suite and key, so data sealed under one suite stays readable
/// after switching; person codes do not (a different MAC is a different code): switching the
/// suite of a running hub is a key rotation (README, "Key versions").
public enum CipherSuite: String, Sendable, CaseIterable {
    case international
    case national

    public var digest: DigestAlgorithm {
        switch self {
        case .international: .sha256
        case .national: .sm3
        }
    }

    public var cipher: BlockCipher {
        switch self {
        case .international: .aes256
        case .national: .sm4
        }
    }

    /// The byte that names the suite inside a sealed value.
    var id: UInt8 {
        switch self {
        case .international: 1
        case .national: 2
        }
    }

    init?(id: UInt8) {
        guard let s = Self.allCases.first(where: { $0.id == id }) else { return nil }
        self = s
    }

    /// Parses the setting's value; the error names the accepted values.
    public init(setting value: String) throws(CryptoError) {
        guard let s = CipherSuite(rawValue: value) else {
            throw CryptoError(.algorithmUnavailable, "unknown crypto suite \"\(value)\"; use one of: "
                              + Self.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = s
    }

    /// Refuses a suite this libcrypto cannot run (checked at start, so no record ever meets it).
    public func check() throws(CryptoError) {
        guard digest.isAvailable, cipher.isAvailable else {
            throw CryptoError(.algorithmUnavailable, "crypto suite \(rawValue) needs \(digest.rawValue) and \(cipher.rawValue)-CTR, which this libcrypto lacks")
        }
    }
}
