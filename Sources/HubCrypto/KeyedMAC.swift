import CLibCrypto

/// HMAC (RFC 2104) over SHA-256 or SM3 with a fixed key.
///
/// The key is absorbed once into the inner and outer hash states; each MAC copies them into
/// one scratch context, so a short message costs two compression calls instead of four (the
/// person code is an HMAC of 18 bytes per record) and one libcrypto context allocation, no
/// Swift allocation. The keyed states are only read after init, so one instance may be shared
/// between threads. Every libcrypto failure is thrown (``CryptoError`` `.libraryFailure`).
///
/// SHA-256 keeps the keyed states as libcrypto's plain `SHA256_CTX` structs instead, copied
/// on the stack per MAC: no context allocation and no provider dispatch (about a quarter of
/// the cost of the `EVP` path; the person code is on the transform's per-record path). The
/// pads are derived once, and only the states the algorithm uses are built.
public final class KeyedMAC: @unchecked Sendable {
    public let algorithm: DigestAlgorithm
    private let keyed: KeyedStates

    /// The hash states having absorbed the key block XOR ipad (`inner`) and XOR opad (`outer`):
    /// libcrypto's plain structs for SHA-256, `EVP` contexts otherwise (SM3).
    private enum KeyedStates {
        case sha256(inner: SHA256_CTX, outer: SHA256_CTX)
        case evp(inner: DigestContext, outer: DigestContext)
    }

    /// - Throws: ``CryptoError`` `.invalidKey` for an empty key, `.algorithmUnavailable` when
    ///   libcrypto lacks the hash, `.libraryFailure`.
    public init(_ algorithm: DigestAlgorithm, key: [UInt8]) throws(CryptoError) {
        guard !key.isEmpty else { throw CryptoError(.invalidKey, "an HMAC key must not be empty") }
        guard algorithm.isAvailable else {
            throw CryptoError(.algorithmUnavailable, "\(algorithm.rawValue) is not available in this libcrypto")
        }
        self.algorithm = algorithm
        var block = key.count > DigestAlgorithm.blockSize ? try algorithm.hash(key) : key
        block += [UInt8](repeating: 0, count: DigestAlgorithm.blockSize - block.count)
        let ipad = block.map { $0 ^ 0x36 }
        let opad = block.map { $0 ^ 0x5c }
        if algorithm == .sha256 {
            var inner = SHA256_CTX()
            var outer = SHA256_CTX()
            try DigestContext.check(SHA256_Init(&inner) == 1 && SHA256_Init(&outer) == 1, "init")
            try DigestContext.check(SHA256_Update(&inner, ipad, ipad.count) == 1 && SHA256_Update(&outer, opad, opad.count) == 1, "update")
            keyed = .sha256(inner: inner, outer: outer)
        } else {
            let inner = try DigestContext(fresh: algorithm)
            let outer = try DigestContext(fresh: algorithm)
            try DigestContext.check(ipad.withUnsafeBytes { inner.update($0) }, "update")
            try DigestContext.check(opad.withUnsafeBytes { outer.update($0) }, "update")
            keyed = .evp(inner: inner, outer: outer)
        }
    }

    /// Writes the 32-byte MAC of `message` into `out` (at least 32 bytes).
    public func authenticate(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        try authenticate(UnsafeRawBufferPointer(start: nil, count: 0), message, into: out)
    }

    /// Writes the 32-byte MAC of `prefix` followed by `message` into `out` (at least 32 bytes):
    /// the two are not copied together first.
    public func authenticate(_ prefix: UnsafeRawBufferPointer, _ message: UnsafeRawBufferPointer,
                             into out: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard out.count >= DigestAlgorithm.outputSize, let digest = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw CryptoError(.invalidKey, "a MAC needs \(DigestAlgorithm.outputSize) bytes of output")
        }
        let inner: DigestContext, outer: DigestContext
        switch keyed {
        case .sha256(let keyedInner, let keyedOuter):
            // The inner digest goes to `out`, is absorbed by the outer hash, then overwritten by it.
            var ctx = keyedInner
            guard prefix.isEmpty || SHA256_Update(&ctx, prefix.baseAddress, prefix.count) == 1,
                  message.isEmpty || SHA256_Update(&ctx, message.baseAddress, message.count) == 1,
                  SHA256_Final(digest, &ctx) == 1 else {
                throw CryptoError(.libraryFailure, "libcrypto HMAC-SHA256 failed")
            }
            ctx = keyedOuter
            guard SHA256_Update(&ctx, digest, DigestAlgorithm.outputSize) == 1, SHA256_Final(digest, &ctx) == 1 else {
                throw CryptoError(.libraryFailure, "libcrypto HMAC-SHA256 failed")
            }
            return
        case .evp(let keyedInner, let keyedOuter):
            (inner, outer) = (keyedInner, keyedOuter)
        }
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError(.libraryFailure, "libcrypto could not allocate a digest context") }
        defer { EVP_MD_CTX_free(ctx) }
        var length: UInt32 = 0
        guard EVP_MD_CTX_copy_ex(ctx, inner.ctx) == 1,
              prefix.isEmpty || EVP_DigestUpdate(ctx, prefix.baseAddress, prefix.count) == 1,
              message.isEmpty || EVP_DigestUpdate(ctx, message.baseAddress, message.count) == 1,
              EVP_DigestFinal_ex(ctx, digest, &length) == 1, length == UInt32(DigestAlgorithm.outputSize),
              EVP_MD_CTX_copy_ex(ctx, outer.ctx) == 1,
              EVP_DigestUpdate(ctx, digest, DigestAlgorithm.outputSize) == 1,
              EVP_DigestFinal_ex(ctx, digest, &length) == 1, length == UInt32(DigestAlgorithm.outputSize) else {
            throw CryptoError(.libraryFailure, "libcrypto HMAC-\(algorithm.rawValue) failed")
        }
    }

    /// The 32-byte MAC of `message`.
    public func authenticate(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: DigestAlgorithm.outputSize)
        var failure: CryptoError?
        message.withUnsafeBytes { m in
            out.withUnsafeMutableBytes { o in
                do throws(CryptoError) { try authenticate(m, into: o) } catch { failure = error }
            }
        }
        if let failure { throw failure }
        return out
    }
}
