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
/// The MAC runs through libcrypto (``HubCrypto/KeyedMAC``), its keyed state computed once and
/// copied per use (HMAC-SHA256 about 4× faster than swift-crypto's generic HMAC, which this
/// type used before: same codes). It is immutable after init, so sharing the instance across
/// threads is safe.
///
/// Under the national suite (`HUB_CRYPTO_SUITE=national`, 商用密码) the MAC is HMAC-SM3: same
/// length and form, different codes — switching suites is a key rotation.
public final class Pseudonymizer: @unchecked Sendable {
    /// Only set when libcrypto could not key HMAC-SHA256 for ``init(secret:)``, which cannot throw.
    private let keyed: HMAC<SHA256>?
    private let libcrypto: KeyedMAC?

    /// HMAC-SHA256 (the international suite).
    public init(secret: [UInt8]) {
        precondition(!secret.isEmpty, "the pseudonymisation secret must not be empty")
        let mac = try? KeyedMAC(.sha256, key: secret)
        self.libcrypto = mac
        self.keyed = mac == nil ? HMAC<SHA256>(key: SymmetricKey(data: secret)) : nil
    }

    /// The MAC of `suite`: HMAC-SHA256 or HMAC-SM3.
    /// - Throws: ``HubCrypto/CryptoError`` for an empty secret or a suite libcrypto cannot run.
    public init(secret: [UInt8], suite: CipherSuite) throws(CryptoError) {
        switch suite {
        case .international:
            guard !secret.isEmpty else { throw CryptoError(.invalidKey, "the pseudonymisation secret must not be empty") }
            self.libcrypto = try KeyedMAC(.sha256, key: secret)
        case .national:
            self.libcrypto = try KeyedMAC(.sm3, key: secret)
        }
        self.keyed = nil
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
        var prefix = prefix
        var value = value
        var failure: CryptoError?
        let code = prefix.withUTF8 { p in
            value.withUTF8 { v in mac(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(v), failure: &failure) }
        }
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
        mac(UnsafeRawBufferPointer(start: nil, count: 0), bytes, failure: &failure)
    }

    /// The MAC of `prefix` followed by `bytes`, without joining them first.
    private func mac(_ prefix: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer, failure: inout CryptoError?) -> Digest32 {
        if var hmac = keyed {
            hmac.update(data: prefix)
            hmac.update(data: bytes)
            return Digest32(digest: hmac.finalize())
        }
        // One of the two is set by every initializer.
        var out: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &out) { raw in
            do throws(CryptoError) {
                try libcrypto?.authenticate(prefix, bytes, into: raw)
            } catch {
                failure = error
            }
        }
        // The bytes in memory order, read as big-endian words on any host.
        return Digest32(w0: UInt64(bigEndian: out.0), w1: UInt64(bigEndian: out.1), w2: UInt64(bigEndian: out.2),
                        w3: UInt64(bigEndian: out.3))
    }
}
