import CLibCrypto

/// A 256-bit hash function of libcrypto: SHA-256 (FIPS 180-4) or SM3 (GB/T 32905-2016).
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case sha256 = "SHA256"
    case sm3 = "SM3"

    /// Both produce 32 bytes and work on 64-byte blocks (what HMAC needs to know).
    public static let outputSize = 32
    static let blockSize = 64

    /// The hash of `bytes`.
    /// - Throws: ``CryptoError`` `.algorithmUnavailable` or `.libraryFailure`.
    public func hash(_ bytes: [UInt8]) throws(CryptoError) -> [UInt8] {
        let ctx = try DigestContext(fresh: self)
        try DigestContext.check(bytes.withUnsafeBytes { ctx.update($0) }, "update")
        return try ctx.finish()
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

/// One `EVP_MD_CTX`, owned; freed with the value. Every libcrypto failure is thrown.
final class DigestContext {
    let ctx: OpaquePointer

    /// A context initialised for `algorithm`.
    init(fresh algorithm: DigestAlgorithm) throws(CryptoError) {
        guard let md = algorithm.md else {
            throw CryptoError(.algorithmUnavailable, "\(algorithm.rawValue) is not available in this libcrypto")
        }
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError(.libraryFailure, "libcrypto could not allocate a digest context") }
        guard EVP_DigestInit_ex2(ctx, md, nil) == 1 else {
            EVP_MD_CTX_free(ctx)
            throw CryptoError(.libraryFailure, "libcrypto could not initialise \(algorithm.rawValue)")
        }
        self.ctx = ctx
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Absorbs `bytes`; false when libcrypto refuses (see ``check(_:_:)``).
    func update(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.isEmpty || EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1
    }

    func finish() throws(CryptoError) -> [UInt8] {
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: DigestAlgorithm.outputSize) { buffer, count in
            var length: UInt32 = 0
            ok = EVP_DigestFinal_ex(ctx, buffer.baseAddress, &length) == 1 && length == UInt32(DigestAlgorithm.outputSize)
            count = ok ? DigestAlgorithm.outputSize : 0
        }
        try Self.check(ok, "final")
        return out
    }

    static func check(_ ok: Bool, _ step: String) throws(CryptoError) {
        guard ok else { throw CryptoError(.libraryFailure, "libcrypto digest \(step) failed") }
    }
}
