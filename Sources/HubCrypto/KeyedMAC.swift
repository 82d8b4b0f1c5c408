/// HMAC (RFC 2104) over SHA-256 or SM3 with a fixed key.
///
/// The key is absorbed once into the inner and outer hash states; each MAC copies them, so a
/// short message costs two compression calls instead of four (the person code is an HMAC of
/// 18 bytes per record). The keyed states are only read after init, so one instance may be
/// shared between threads.
public final class KeyedMAC: @unchecked Sendable {
    public let algorithm: DigestAlgorithm
    private let inner: DigestContext
    private let outer: DigestContext

    /// - Throws: ``CryptoError`` `.invalidKey` for an empty key, `.algorithmUnavailable` when
    ///   libcrypto lacks the hash.
    public init(_ algorithm: DigestAlgorithm, key: [UInt8]) throws(CryptoError) {
        guard !key.isEmpty else { throw CryptoError(.invalidKey, "an HMAC key must not be empty") }
        guard algorithm.isAvailable else {
            throw CryptoError(.algorithmUnavailable, "\(algorithm.rawValue) is not available in this libcrypto")
        }
        self.algorithm = algorithm
        var block = key.count > DigestAlgorithm.blockSize ? algorithm.hash(key) : key
        block += [UInt8](repeating: 0, count: DigestAlgorithm.blockSize - block.count)
        inner = DigestContext(fresh: algorithm)
        outer = DigestContext(fresh: algorithm)
        block.map { $0 ^ 0x36 }.withUnsafeBytes { inner.update($0) }
        block.map { $0 ^ 0x5c }.withUnsafeBytes { outer.update($0) }
    }

    /// Writes the 32-byte MAC of `message` into `out`.
    public func authenticate(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        let i = DigestContext(copying: inner)
        i.update(message)
        withUnsafeTemporaryAllocation(byteCount: DigestAlgorithm.outputSize, alignment: 8) { innerDigest in
            i.finish(into: innerDigest)
            let o = DigestContext(copying: outer)
            o.update(UnsafeRawBufferPointer(innerDigest))
            o.finish(into: out)
        }
    }

    /// The 32-byte MAC of `message`.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: DigestAlgorithm.outputSize) { buffer, count in
            message.withUnsafeBytes { authenticate($0, into: UnsafeMutableRawBufferPointer(buffer)) }
            count = DigestAlgorithm.outputSize
        }
    }
}
