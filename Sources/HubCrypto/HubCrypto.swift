/// The hash functions, MACs and ciphers the hub uses, behind a small safe API over OpenSSL's
/// libcrypto (EVP): unsafe pointers stay inside this module.
///
/// Two suites (``CipherSuite``): the international one (SHA-256, HMAC-SHA256, AES-256-CTR) and
/// the national one (商用密码: SM3, HMAC-SM3, SM4-CTR — GB/T 32905 and GB/T 32907). Debian 12's
/// OpenSSL 3.0 has no SM4-GCM/CCM, so at-rest encryption is CTR mode authenticated by the
/// suite's HMAC over everything sealed (encrypt-then-MAC), in both suites alike.
///
/// libcrypto fails only on memory exhaustion once an algorithm has been fetched (which
/// ``CipherSuite`` checks at start); such a failure is thrown as ``CryptoError`` `.libraryFailure`
/// (never a trap), so the worker fails that batch and retries, like a database error.
public enum HubCrypto {}
