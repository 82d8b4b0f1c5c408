/// The person-code keys by generation, for rotating keys without the ID numbers (README,
/// "Key rotation").
///
/// Codes are chained: `code_1 = MAC(k_1, id)` and `code_g = MAC(k_g, code_{g-1})`, and the
/// pseudonyms of registry and staff numbers alike. A stored code therefore moves to the next
/// generation from the code alone, and only `k_1` ever touches an ID number: the outer keys
/// (`k_2`, `k_3`, …) reveal nothing about ID numbers, so the sink and `hubctl keys rekey` hold
/// those and never `k_1`. New codes are published under the highest generation held; a lower
/// key is then *retired* (nothing is published under it any more), though the transform keeps
/// using `k_1` as the chain's inner step.
///
/// A record's entity partition never changes with the generation: the transform routes by the
/// generation-1 code (``Digest32/partition(of:)``), so partition-local state stays valid.
public struct PersonCodeKeyring: Sendable {
    /// The MAC of each generation held (1 = the inner key over ID numbers).
    public let keys: [Int: Pseudonymizer]
    /// The generation new codes are published under: the highest held.
    public let current: Int

    /// The most generations a keyring may name (a generation travels as a small integer).
    public static let maxGeneration = 1_000

    /// - Throws: ``KeyringError`` for a generation outside `1...maxGeneration`.
    public init(keys: [Int: Pseudonymizer]) throws(KeyringError) {
        for g in keys.keys where !(1...Self.maxGeneration).contains(g) {
            throw KeyringError("key generation \(g) is outside 1…\(Self.maxGeneration)")
        }
        self.keys = keys
        self.current = keys.keys.max() ?? 1
    }

    /// One key, generation 1: no rotation yet.
    public init(single: Pseudonymizer) {
        keys = [1: single]
        current = 1
    }

    /// No keys: a sink that never needs to move a code between generations.
    public static let empty = PersonCodeKeyring(keys: [:], current: 1)

    private init(keys: [Int: Pseudonymizer], current: Int) {
        self.keys = keys
        self.current = current
    }

    /// The generation-1 key (MAC of ID numbers); nil when this keyring holds outer keys only.
    public var base: Pseudonymizer? { keys[1] }

    /// Whether every key from `from + 1` to `to` is held (what moving a code there needs).
    public func canChain(from: Int, to: Int) -> Bool {
        from >= to || (from + 1...to).allSatisfy { keys[$0] != nil }
    }

    /// `code` of generation `from` moved to generation `to` (≥ `from`).
    /// - Throws: ``KeyringError`` when a key between them is not held.
    public func chain(_ code: Digest32, from: Int, to: Int) throws(KeyringError) -> Digest32 {
        guard from < to else { return code }
        var c = code
        for g in from + 1...to {
            guard let key = keys[g] else { throw KeyringError.missing(generation: g) }
            do {
                c = try key.chained(c)
            } catch {
                throw KeyringError("the person-code MAC of generation \(g) failed: \(error.description)")
            }
        }
        return c
    }

    /// `record` with its codes (the person code of a student or teacher, the pseudonym of a
    /// registry or staff number) moved to generation `to`. Attendance keys are digests of
    /// public values, not codes, and stay as they are.
    public func raise(_ record: StandardRecord, to generation: Int) throws(KeyringError) -> StandardRecord {
        guard record.keyGeneration < generation else { return record }
        var r = record
        if r.type.hasPersonCode { r.key = try chain(r.key, from: r.keyGeneration, to: generation) }
        if let local = r.localIdCode { r.localIdCode = try chain(local, from: r.keyGeneration, to: generation) }
        r.keyGeneration = generation
        return r
    }

    /// What the transform publishes for a record standardised under generation 1 and routed
    /// among `partitionCount` partitions by that generation's code: the record under the
    /// current generation, naming the partition count it was routed among.
    public func publish(_ record: StandardRecord, routedAmong partitionCount: Int32) throws(KeyringError) -> StandardRecord {
        var r = try raise(record, to: current)
        if r.keyGeneration > 1 && r.type.hasPersonCode { r.routedPartitions = partitionCount }
        return r
    }
}

/// A key generation that is needed but not held, or a keyring that cannot be.
public struct KeyringError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The generation whose key was missing, when that was the problem.
    public var missingGeneration: Int?

    public init(_ description: String, missingGeneration: Int? = nil) {
        self.description = description
        self.missingGeneration = missingGeneration
    }

    public static func missing(generation g: Int) -> KeyringError {
        KeyringError("the person-code key of generation \(g) is not configured (HUB_PERSON_CODE_KEY_FILES)", missingGeneration: g)
    }
}

extension RecordType {
    /// Whether the entity key is a person code (a MAC under the person-code keys).
    public var hasPersonCode: Bool { self != .attendance }
}
