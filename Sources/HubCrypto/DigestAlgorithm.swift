import CLibCrypto

/// A 256-bit hash function of libcrypto: SHA-256 (FIPS 180-4) or SM3 (GB/T 32905-2016).
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case sha256 = "SHA256"
    case sm3 = "SM3"

    /// Both produce 32 bytes and work on 64-byte blocks (what HMAC needs to know).
    public static let outputSize = 32
    static let blockSize = 64

    /// The hash of `bytes`.
    public func hash(_ bytes: [UInt8]) -> [UInt8] {
        let ctx = DigestContext(fresh: self)
        bytes.withUnsafeBytes { ctx.update($0) }
        return ctx.finish()
    }

    /// The fetched implementation, or nil when this libcrypto lacks it.
    var md: OpaquePointer? { Self.fetched[self] ?? nil }

    /// Fetched once per process: an `EVP_MD` is immutable and safe to share between threads.
    private nonisolated(unsafe) static let fetched: [DigestAlgorithm: OpaquePointer?] = {
        var out: [DigestAlgorithm: OpaquePointer?] = [:]
        for a in DigestAlgorithm.allCases { out[a] = EVP_MD_fetch(nil, a.rawValue, nil) }
        return out
    }()

    /// Whether this libcrypto provides the algorithm.
    public var isAvailable: Bool { md != nil }
}

/// One `EVP_MD_CTX`, owned; freed with the value.
final class DigestContext {
    let ctx: OpaquePointer

    /// A context initialised for `algorithm`.
    init(fresh algorithm: DigestAlgorithm) {
        guard let md = algorithm.md else { fatalError("\(algorithm.rawValue) is not available in this libcrypto; check CipherSuite.check() at start") }
        guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex2(ctx, md, nil) == 1 else { fatalError("libcrypto could not allocate a digest context") }
        self.ctx = ctx
    }

    /// A copy of `other`'s state (a keyed HMAC half, reused per message).
    init(copying other: DigestContext) {
        guard let ctx = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(ctx, other.ctx) == 1 else {
            fatalError("libcrypto could not copy a digest context")
        }
        self.ctx = ctx
    }

    deinit { EVP_MD_CTX_free(ctx) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        guard EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1 else { fatalError("libcrypto digest update failed") }
    }

    /// Writes the 32-byte digest into `out` (at least 32 bytes).
    func finish(into out: UnsafeMutableRawBufferPointer) {
        var length: UInt32 = 0
        guard out.count >= DigestAlgorithm.outputSize,
              EVP_DigestFinal_ex(ctx, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1,
              length == UInt32(DigestAlgorithm.outputSize) else { fatalError("libcrypto digest final failed") }
    }

    func finish() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: DigestAlgorithm.outputSize) { buffer, count in
            finish(into: UnsafeMutableRawBufferPointer(buffer))
            count = DigestAlgorithm.outputSize
        }
    }
}
