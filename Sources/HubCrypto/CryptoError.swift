/// Why a cryptographic operation was refused.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// This libcrypto does not provide the algorithm (e.g. an OpenSSL without SM3/SM4).
        case algorithmUnavailable
        /// A key of the wrong size or an empty key.
        case invalidKey
        /// Bytes that are not a sealed value of the expected format (too short, other marker).
        case notSealed
        /// Sealed under a key none of the configured keys matches.
        case unknownKey
        /// The tag does not match: the bytes were altered, or the key is wrong.
        case authenticationFailed
        /// libcrypto itself failed (a context it could not allocate, an operation it refused):
        /// never caused by content; the caller fails the operation and may retry.
        case libraryFailure
    }

    public var code: Code
    public var description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
