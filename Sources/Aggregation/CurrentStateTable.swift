import HubCore

/// An in-memory current-state table (a KTable): per entity key, the version in effect.
/// The sink keeps the same table in PostgreSQL; this one serves `hubctl topology test`,
/// tests and the reconciliation that recomputes aggregates from state.
public struct CurrentStateTable: Sendable {
    public private(set) var entities: [Key: StandardRecord] = [:]

    /// An entity: record type and key.
    public struct Key: Hashable, Sendable {
        public var type: RecordType
        public var key: Digest32
    }

    public init() {}

    /// Applies `record` if it is newer than the version in effect (SPEC §4) and returns the
    /// replaced version (`.some(nil)` for a new entity); nil when nothing changed.
    @discardableResult
    public mutating func apply(_ record: StandardRecord) -> StandardRecord?? {
        let key = Key(type: record.type, key: record.key)
        if let current = entities[key] {
            guard current.version < record.version else { return nil }
            entities[key] = record
            return .some(current)
        }
        entities[key] = record
        return .some(nil)
    }
}
