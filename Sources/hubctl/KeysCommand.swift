import ArgumentParser
import Foundation
import HubCore
import HubStore
import WorkerRuntime

/// `hubctl keys …`: person-code key generations (README, "Key rotation").
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Person-code key generations: show them, re-key the stored state to the newest.",
        subcommands: [Status.self, Rekey.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the key generation of each std partition's stored state.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let ctx = try Context(common)
            let r = try ctx.database().query("""
                SELECT t.name, g.partition::text, g.generation::text, coalesce(g.rekeyed_at::text, ''), g.rekeyed_entities::text
                FROM \(ctx.settings.schema).std_key_generations g JOIN \(ctx.settings.schema).entity_types t USING (record_type)
                ORDER BY g.record_type, g.partition
                """)
            printTable(["record type", "partition", "generation", "re-keyed at", "entities"], r)
        }
    }

    struct Rekey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move every std partition's stored person codes to the newest key generation, one partition per transaction, while the pipeline runs.",
            discussion: """
                Needs the outer keys only (generations 2 and later; generation 1 never leaves the transform): \
                --person-code-key-files / HUB_PERSON_CODE_KEY_FILES, e.g. 2=/run/secrets/person-code-key-2. \
                Exactly once: a partition already at the target generation (re-keyed by an earlier run or by a sink \
                that met records of the new generation) is skipped, so running it again is harmless.
                """)
        @OptionGroup var common: CommonOptions
        @OptionGroup var crypto: CryptoOptions
        @OptionGroup var keys: PersonCodeKeyOptions
        @Option(name: .long, help: "Target generation. Default: the highest configured.") var to: Int?

        func run() async throws {
            let ctx = try Context(common)
            let keyring: PersonCodeKeyring
            do {
                keyring = try PersonCodeKeys.load(files: keys.personCodeKeyFiles, file: nil, source: SettingSource(configFile: common.config),
                                                  suite: CryptoSettings(options: crypto).suite, need: .outerKeys)
            } catch {
                throw ValidationError(error.description)
            }
            guard !keyring.keys.isEmpty else {
                throw ValidationError("no person-code keys: set --person-code-key-files / HUB_PERSON_CODE_KEY_FILES (e.g. 2=/run/secrets/k2)")
            }
            let target = to ?? keyring.current
            guard (1...PersonCodeKeyring.maxGeneration).contains(target) else { throw ValidationError("--to must be from 1 to \(PersonCodeKeyring.maxGeneration)") }
            let db = try ctx.database()
            let slots = try KeyGenerations.all(db, schema: ctx.schema)
            guard !slots.isEmpty else {
                throw ValidationError("no std partition is registered yet: start the sink once (it registers them), then re-key")
            }
            var moved = 0, skipped = 0, entities = 0
            let started = ContinuousClock.now
            for s in slots {
                let done: KeyGenerations.RekeyOutcome
                do {
                    done = try KeyGenerations.rekey(db, schema: ctx.schema, slot: s.slot, to: target, keyring: keyring)
                } catch let error as KeyringError {
                    throw ValidationError(error.description)
                }
                if done.skipped {
                    skipped += 1
                    say("  \(s.slot): at generation \(done.from) already, skipped")
                } else {
                    moved += 1
                    entities += done.entities
                    say(String(format: "  %@: generation %d → %d, %d entities, %d claims, %d quality rows, %.2f s",
                               s.slot.description, done.from, done.to, done.entities, done.claims, done.qualityRows, done.seconds))
                }
            }
            say(String(format: "re-keyed %d partition(s) to generation %d (%d entities), %d already there; %.2f s",
                       moved, target, entities, skipped, (ContinuousClock.now - started) / .seconds(1)))
        }
    }
}
