import ArgumentParser
import Foundation
import HubCrypto

/// The crypto suite and the at-rest keys (README, "National cryptography"): flags or
/// environment, keys always from files.
public struct CryptoOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: "Algorithm suite: international (HMAC-SHA256, AES-256-CTR + HMAC-SHA256) or national (商用密码: HMAC-SM3, SM4-CTR + HMAC-SM3). Env HUB_CRYPTO_SUITE. Default international.")
    public var cryptoSuite: String?

    @Option(name: .long, help: "Files holding at-rest keys (≥ 16 bytes each), comma-separated: the first seals raw bytes, all open them (older keys). Env HUB_AT_REST_KEY_FILES. Default: raw bytes stored unsealed.")
    public var atRestKeyFiles: String?

    public init() {}
}

/// The parsed crypto settings.
public struct CryptoSettings: Sendable {
    public var suite: CipherSuite
    /// nil when no key file is configured (raw bytes are stored as they are).
    public var keyring: AtRestKeyring?

    public init(options o: CryptoOptions, environment env: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) {
        let suiteName = o.cryptoSuite ?? env["HUB_CRYPTO_SUITE"] ?? CipherSuite.international.rawValue
        do {
            suite = try CipherSuite(setting: suiteName)
            try suite.check()
        } catch {
            throw ConfigurationError("HUB_CRYPTO_SUITE / --crypto-suite: \(error.description)")
        }
        guard let list = o.atRestKeyFiles ?? env["HUB_AT_REST_KEY_FILES"], !list.isEmpty else {
            keyring = nil
            return
        }
        var secrets: [[UInt8]] = []
        for path in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("HUB_AT_REST_KEY_FILES / --at-rest-key-files: cannot read \(path)")
            }
            secrets.append(Self.keyBytes(Array(data)))
        }
        do {
            keyring = try AtRestKeyring(secrets: secrets, suite: suite)
        } catch {
            throw ConfigurationError("HUB_AT_REST_KEY_FILES / --at-rest-key-files: \(error.description)")
        }
    }

    /// A key file's bytes without a trailing newline (as `head -c 32 /dev/urandom | base64` writes).
    static func keyBytes(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        while let last = b.last, last == 0x0A || last == 0x0D { b.removeLast() }
        return b
    }
}
