import Crypto
import Foundation
import HubCrypto

/// "One person, one code" (SPEC §3): a keyed pseudonym of a canonical ID number.
///
/// HMAC-SHA256 with a secret that only the Transform stage holds; the 32-byte MAC is the code
/// (shown as 64 hex digits).
/// The same key is used for other identifiers that must not travel in clear (e.g. the
/// student registry number), each under its own domain prefix so codes never collide.
///
/// The keyed HMAC state is computed once and copied per use (about twice as fast as keying
/// each time). It is immutable after init, so sharing the instance across threads is safe.
///
/// Under the national suite (`HUB_CRYPTO_SUITE=national`, 商用密码) the MAC is HMAC-SM3 through
/// libcrypto (``HubCrypto/KeyedMAC``): same length and form, different codes — switching suites
/// is a key rotation.
public final class Pseudonymizer: @unchecked Sendable {
    private let keyed: HMAC<SHA256>?
    private let national: KeyedMAC?

    /// HMAC-SHA256 (the international suite).
    public init(secret: [UInt8]) {
        precondition(!secret.isEmpty, "the pseudonymisation secret must not be empty")
        self.keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
        self.national = nil
    }

    /// The MAC of `suite`: HMAC-SHA256 or HMAC-SM3.
    /// - Throws: ``HubCrypto/CryptoError`` for an empty secret or a suite libcrypto cannot run.
    public init(secret: [UInt8], suite: CipherSuite) throws(CryptoError) {
        switch suite {
        case .international:
            guard !secret.isEmpty else { throw CryptoError(.invalidKey, "the pseudonymisation secret must not be empty") }
            self.keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
            self.national = nil
        case .national:
            self.keyed = nil
            self.national = try KeyedMAC(.sm3, key: secret)
        }
    }

    /// The person code of a canonical (validated, upper-case check character) ID number.
    /// - Throws: ``HubCrypto/CryptoError`` `.libraryFailure` when libcrypto fails (national suite
    ///   only; never because of the ID number): the caller fails its batch and retries.
    public func personCode(canonicalId: String) throws(CryptoError) -> Digest32 {
        var id = canonicalId
        var failure: CryptoError?
        let code = id.withUTF8 { mac(UnsafeRawBufferPointer($0), failure: &failure) }
        if let failure { throw failure }
        return code
    }

    /// A pseudonym of another identifier, e.g. `("registry_no", "G3301...")`.
    public func pseudonym(domain: String, _ value: String) throws(CryptoError) -> Digest32 {
        try pseudonym(prefixed: domain + ":", value)
    }

    /// The same, with the domain prefix (`domain:`) built once by the caller.
    public func pseudonym(prefixed prefix: String, _ value: String) throws(CryptoError) -> Digest32 {
        var bytes = Array(prefix.utf8)
        bytes.append(contentsOf: value.utf8)
        var failure: CryptoError?
        let code = bytes.withUnsafeBytes { mac($0, failure: &failure) }
        if let failure { throw failure }
        return code
    }

    /// The code of the next key generation: the MAC of a code of the previous one (README,
    /// "Key rotation": `code_g = MAC(k_g, code_{g-1})`). Also moves a pseudonym on.
    public func chained(_ code: Digest32) throws(CryptoError) -> Digest32 {
        var failure: CryptoError?
        let next = code.bytes.withUnsafeBytes { mac($0, failure: &failure) }
        if let failure { throw failure }
        return next
    }

    /// The MAC of `bytes`; a libcrypto failure is left in `failure` (the closures of the
    /// buffer APIs cannot throw a typed error) and the returned value is then meaningless.
    private func mac(_ bytes: UnsafeRawBufferPointer, failure: inout CryptoError?) -> Digest32 {
        if var hmac = keyed {
            hmac.update(data: bytes)
            return Digest32(digest: hmac.finalize())
        }
        // One of the two is set by every initializer.
        return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            do throws(CryptoError) {
                try national?.authenticate(bytes, into: out)
            } catch {
                failure = error
                return Digest32(w0: 0, w1: 0, w2: 0, w3: 0)
            }
            return Digest32(digest: UnsafeRawBufferPointer(out))
        }
    }
}
