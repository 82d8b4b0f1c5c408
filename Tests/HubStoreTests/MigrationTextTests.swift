import Crypto
@testable import HubStore
import Testing

/// A migration runs once per database, by version: its SQL must never change once released.
/// The SHA-256 of the text for schema `hub` was taken from the single literal each migration
/// was before it was split into named parts (length in UTF-8 bytes alongside).
@Suite("Migration text is fixed once released")
struct MigrationTextTests {
    static func digest(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test("004 quality monitors")
    func quality() {
        let text = QualityMigration().sql(HubSchema(name: "hub"))
        #expect(text.utf8.count == 4406)
        #expect(Self.digest(text) == "89af75c3b4025f78f24b0245e95ad85bbad3209b0a70b975916af992d7a8a803")
    }

    @Test("009 entity state")
    func entityState() {
        let text = EntityStateMigration().sql(HubSchema(name: "hub"))
        #expect(text.utf8.count == 5306)
        #expect(Self.digest(text) == "ff6e3eb85641ad1c0c33a3f1e14876de96851c22f5ccc65888d42782defeb2fc")
    }

    @Test("022 entity slots")
    func entitySlots() {
        let text = EntitySlotMigration().sql(HubSchema(name: "hub"))
        #expect(text.utf8.count == 920)
        #expect(Self.digest(text) == "73d4d9ff3e339fbb0efcc1bf5fc47464e59c796aab55b5fe05e25088558e1f4b")
    }
}
