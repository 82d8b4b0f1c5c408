import HubCore
import Testing
@testable import SinkCore

@Suite("Entity index of a batch")
struct EntityIndexTests {
    static func key(_ n: Int) -> Digest32 { Digest32.sha256(Array("entity-\(n)".utf8)) }

    /// Builds the index the way the state step does: each new entity appended, then inserted.
    static func build(_ ids: [EntityID], capacity: Int) -> (EntityIndex, [StateChanges.Entity]) {
        var index = EntityIndex(capacity: capacity)
        var entities: [StateChanges.Entity] = []
        for id in ids where index.find(id, in: entities) == nil {
            entities.append(.init(id: id, partition: 0, best: entities.count))
            index.insert(id, as: entities.count - 1, entities: entities)
        }
        return (index, entities)
    }

    @Test("every entity is found at its own index, and no other is, also after the table grew", arguments: [5_000, 10])
    func findsExactlyTheInserted(capacity: Int) {
        let ids = (0..<5_000).map { EntityID(type: $0 % 3 == 0 ? .attendance : .student, key: Self.key($0)) }
        let (index, entities) = Self.build(ids, capacity: capacity)
        #expect(entities.count == 5_000)
        let misplaced = ids.indices.filter { index.find(ids[$0], in: entities) != $0 }
        #expect(misplaced.isEmpty)
        let strangers = (5_000..<15_000).filter { index.find(EntityID(type: .student, key: Self.key($0)), in: entities) != nil }
        #expect(strangers.isEmpty)
    }

    @Test("keys that share the hashed word, or differ only in type, stay apart")
    func sharedWordsStayApart() {
        // The table hashes one word of the key: these 2,000 keys all have the same one.
        let ids = (0..<1_000).flatMap { n -> [EntityID] in
            var key = Self.key(n)
            key.w1 = 0x0123_4567_89AB_CDEF
            return [EntityID(type: .student, key: key), EntityID(type: .teacher, key: key)]
        }
        let (index, entities) = Self.build(ids, capacity: ids.count)
        #expect(entities.count == 2_000)
        #expect(ids.indices.allSatisfy { index.find(ids[$0], in: entities) == $0 })
        var absent = Self.key(5_000)
        absent.w1 = 0x0123_4567_89AB_CDEF
        #expect(index.find(EntityID(type: .student, key: absent), in: entities) == nil)
        #expect(index.find(EntityID(type: .attendance, key: ids[0].key), in: entities) == nil)
    }

    @Test("a repeated entity is found, not added again")
    func repeatsAreFound() {
        let ids = (0..<300).map { EntityID(type: .student, key: Self.key($0 % 100)) }
        let (_, entities) = Self.build(ids, capacity: 300)
        #expect(entities.count == 100)
        #expect(entities.map(\.id) == (0..<100).map { EntityID(type: .student, key: Self.key($0)) })
    }
}
