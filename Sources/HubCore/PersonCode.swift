import Crypto
import Foundation

/// "One person, one code" (SPEC §3): a keyed pseudonym of a canonical ID number.
///
/// HMAC-SHA256 with a secret that only the Transform stage holds; the 32-byte MAC is the code
/// (shown as 64 hex digits).
/// The same key is used for other identifiers that must not travel in clear (e.g. the
/// student registry number), each under its own domain prefix so codes never collide.
///
/// The keyed HMAC state is computed once and copied per use (about twice as fast as keying
/// each time). It is immutable after init, so sharing the instance across threads is safe.
public final class Pseudonymizer: @unchecked Sendable {
    private let keyed: HMAC<SHA256>

    public init(secret: [UInt8]) {
        precondition(!secret.isEmpty, "the pseudonymisation secret must not be empty")
        self.keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
    }

    /// The person code of a canonical (validated, upper-case check character) ID number.
    public func personCode(canonicalId: String) -> Digest32 {
        var id = canonicalId
        return id.withUTF8 { mac(UnsafeRawBufferPointer($0)) }
    }

    /// A pseudonym of another identifier, e.g. `("registry_no", "G3301...")`.
    public func pseudonym(domain: String, _ value: String) -> Digest32 {
        pseudonym(prefixed: domain + ":", value)
    }

    /// The same, with the domain prefix (`domain:`) built once by the caller.
    public func pseudonym(prefixed prefix: String, _ value: String) -> Digest32 {
        var bytes = Array(prefix.utf8)
        bytes.append(contentsOf: value.utf8)
        return bytes.withUnsafeBytes { mac($0) }
    }

    private func mac(_ bytes: UnsafeRawBufferPointer) -> Digest32 {
        var hmac = keyed
        hmac.update(data: bytes)
        return Digest32(digest: hmac.finalize())
    }
}
