import Crypto
import Foundation

/// "One person, one code" (SPEC §3): a keyed pseudonym of a canonical ID number.
///
/// HMAC-SHA256 with a secret that only the Transform stage holds; the hex digest is the code.
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
    public func personCode(canonicalId: String) -> String {
        hexDigest(Array(canonicalId.utf8))
    }

    /// A pseudonym of another identifier, e.g. `("registry_no", "G3301...")`.
    public func pseudonym(domain: String, _ value: String) -> String {
        pseudonym(prefixed: domain + ":", value)
    }

    /// The same, with the domain prefix (`domain:`) built once by the caller.
    public func pseudonym(prefixed prefix: String, _ value: String) -> String {
        var bytes = Array(prefix.utf8)
        bytes.append(contentsOf: value.utf8)
        return hexDigest(bytes)
    }

    private func hexDigest(_ bytes: [UInt8]) -> String {
        var hmac = keyed
        hmac.update(data: bytes)
        let mac = hmac.finalize()
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 64)
        var i = 0
        for b in mac {
            out[i] = digits[Int(b >> 4)]
            out[i + 1] = digits[Int(b & 0x0F)]
            i += 2
        }
        return String(decoding: out, as: UTF8.self)
    }
}
