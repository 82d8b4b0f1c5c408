import CLibCrypto

/// A 128-bit block cipher of libcrypto: AES-256 or SM4 (GB/T 32907-2016, 128-bit key).
public enum BlockCipher: String, Sendable, CaseIterable {
    case aes256 = "AES-256"
    case sm4 = "SM4"

    public static let blockSize = 16

    public var keySize: Int {
        switch self {
        case .aes256: 32
        case .sm4: 16
        }
    }

    /// Whether this libcrypto provides the cipher in the modes used here.
    public var isAvailable: Bool { cipher("CTR") != nil && cipher("ECB") != nil }

    /// `input` encrypted (or decrypted: the same operation) in counter mode from `iv`.
    ///
    /// - Throws: ``CryptoError`` `.invalidKey` or `.algorithmUnavailable`.
    public func ctr(key: [UInt8], iv: [UInt8], _ input: [UInt8]) throws(CryptoError) -> [UInt8] {
        try run(mode: "CTR", key: key, iv: iv, input)
    }

    /// One block encrypted on its own (ECB; for test vectors only, never for data).
    public func encryptBlock(key: [UInt8], _ block: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard block.count == Self.blockSize else { throw CryptoError(.invalidKey, "a block is \(Self.blockSize) bytes") }
        return try run(mode: "ECB", key: key, iv: nil, block)
    }

    private func run(mode: String, key: [UInt8], iv: [UInt8]?, _ input: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let cipher = cipher(mode) else {
            throw CryptoError(.algorithmUnavailable, "\(rawValue)-\(mode) is not available in this libcrypto")
        }
        guard key.count == keySize else { throw CryptoError(.invalidKey, "\(rawValue) takes a \(keySize)-byte key, not \(key.count)") }
        if let iv, iv.count != Self.blockSize { throw CryptoError(.invalidKey, "the IV is \(Self.blockSize) bytes") }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError(.libraryFailure, "libcrypto could not allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let ok = key.withUnsafeBufferPointer { k in
            if let iv { iv.withUnsafeBufferPointer { EVP_EncryptInit_ex2(ctx, cipher, k.baseAddress, $0.baseAddress, nil) } }
            else { EVP_EncryptInit_ex2(ctx, cipher, k.baseAddress, nil, nil) }
        }
        guard ok == 1, EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 else {
            throw CryptoError(.libraryFailure, "libcrypto could not initialise \(rawValue)-\(mode)")
        }
        var failed: String?
        let out = [UInt8](unsafeUninitializedCapacity: input.count + Self.blockSize) { out, count in
            var written = 0
            count = 0
            input.withUnsafeBufferPointer { source in
                // EVP takes an int length: feed at most 1 GiB at a time.
                var at = 0
                while at < source.count {
                    let n = min(source.count - at, 1 << 30)
                    var outLength: Int32 = 0
                    guard EVP_EncryptUpdate(ctx, out.baseAddress.map { $0 + written }, &outLength,
                                            source.baseAddress.map { $0 + at }, Int32(n)) == 1, outLength >= 0 else {
                        failed = "update"
                        return
                    }
                    written += Int(outLength)
                    at += n
                }
            }
            guard failed == nil else { return }
            var finalLength: Int32 = 0
            guard EVP_EncryptFinal_ex(ctx, out.baseAddress.map { $0 + written }, &finalLength) == 1, finalLength >= 0 else {
                failed = "final"
                return
            }
            count = written + Int(finalLength)
        }
        if let failed { throw CryptoError(.libraryFailure, "libcrypto \(rawValue)-\(mode) \(failed) failed") }
        return out
    }

    private func cipher(_ mode: String) -> OpaquePointer? { Self.fetched["\(rawValue)-\(mode)"] ?? nil }

    /// Fetched once per process; an `EVP_CIPHER` is immutable and shared between threads.
    private nonisolated(unsafe) static let fetched: [String: OpaquePointer?] = {
        var out: [String: OpaquePointer?] = [:]
        for c in BlockCipher.allCases {
            for mode in ["CTR", "ECB"] { out["\(c.rawValue)-\(mode)"] = EVP_CIPHER_fetch(nil, "\(c.rawValue)-\(mode)", nil) }
        }
        return out
    }()
}

/// Random bytes from libcrypto's CSPRNG (IVs).
/// - Throws: ``CryptoError`` `.libraryFailure` when the generator fails (never a weak value).
public func secureRandomBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
    guard let n = Int32(exactly: count), n >= 0 else { throw CryptoError(.invalidKey, "cannot draw \(count) random bytes at once") }
    var ok = false
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, filled in
        ok = RAND_bytes(buffer.baseAddress, n) == 1
        filled = ok ? count : 0
    }
    guard ok else { throw CryptoError(.libraryFailure, "libcrypto's random generator failed") }
    return bytes
}
