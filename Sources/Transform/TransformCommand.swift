import ArgumentParser
import Foundation
import HubCore
import Topology
import WorkerRuntime

/// `hub-transform`: maps records of every dialect onto the standard form, against the
/// versioned school registry, and writes the standard zone; what fails a check is quarantined.
@main
struct TransformCommand: WorkerCommand {
    static let configuration = CommandConfiguration.worker("hub-transform", abstract: "Transform stage: records → standard-zone records keyed by entity, failures → quarantine.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var personCode: PersonCodeOptions

    func run() async throws {
        // The suite picks the person-code MAC (HMAC-SHA256 or HMAC-SM3); checked before anything starts.
        let (settings, keyring) = WorkerMain.settings("transform", httpPort: 9482, common) { source in
            try PersonCodeKeys.load(files: personCode.keys.personCodeKeyFiles, file: personCode.personCodeKeyFile, source: source,
                                    suite: CryptoSettings(options: personCode.crypto).suite, need: .fullChain)
        }
        let topology = WorkerMain.loadTopology(settings)
        if settings.checkConfig {
            WorkerMain.checkBroker(settings, topic: settings.registryTopic)
            print("hub-transform: configuration ok; streams: \(topology.streams.map(\.name).joined(separator: ", ")); registry: \(settings.registryTopic)")
            return
        }
        let context = WorkerMain.bootstrap(settings, topology: topology)
        try await WorkerMain.run(TransformWorker(context: context, keyring: keyring), context: context)
    }
}

/// How person codes are made: the keys' files (README, "Key rotation") and the algorithm suite.
struct PersonCodeOptions: ParsableArguments {
    @Option(name: .long, help: "File holding the person-code HMAC secret of generation 1 (at least 16 bytes), when no key files by generation are set. Env HUB_PERSON_CODE_KEY_FILE, or the secret itself in HUB_PERSON_CODE_KEY. Required unless --person-code-key-files; never put it in a topology file.")
    var personCodeKeyFile: String?

    @OptionGroup var keys: PersonCodeKeyOptions
    @OptionGroup var crypto: CryptoOptions
}
