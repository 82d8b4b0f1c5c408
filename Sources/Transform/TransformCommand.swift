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

    @Option(name: .long, help: "What Transform reads: ingested (hub.ingested, written by hub-ingest) or raw (the raw topics, decoded here, so no hub-ingest runs; hub.ingested is still read for quarantine replays). Env HUB_TRANSFORM_INPUT. Default ingested.")
    var input: String?

    /// The raw-value limits, used with `--input raw`.
    @OptionGroup var decoding: DecodingOptions

    func run() async throws {
        // The suite picks the person-code MAC (HMAC-SHA256 or HMAC-SM3); checked before anything starts.
        let (settings, own) = WorkerMain.settings("transform", httpPort: 9482, common) { source in
            let keyring = try PersonCodeKeys.load(files: personCode.keys.personCodeKeyFiles, file: personCode.personCodeKeyFile,
                                                  source: source, suite: CryptoSettings(options: personCode.crypto).suite, need: .fullChain)
            let input = try source.choice(input, flag: "--input", env: "HUB_TRANSFORM_INPUT", default: "ingested",
                                          choices: ["ingested", "raw"])
            return (keyring, input == "raw" ? try decoding.limits(source) : nil)
        }
        let (keyring, rawLimits) = own
        let topology = WorkerMain.loadTopology(settings)
        if settings.checkConfig {
            WorkerMain.checkBroker(settings, topic: settings.registryTopic)
            let input = rawLimits == nil ? settings.ingestedTopic
                : (topology.streams.map { settings.topic($0.sourceTopic) } + [settings.ingestedTopic]).joined(separator: ", ")
            print("hub-transform: configuration ok; streams: \(topology.streams.map(\.name).joined(separator: ", ")); reads: \(input); registry: \(settings.registryTopic)")
            return
        }
        let context = WorkerMain.bootstrap(settings, topology: topology)
        try await WorkerMain.run(TransformWorker(context: context, keyring: keyring, rawLimits: rawLimits), context: context)
    }
}

/// How person codes are made: the keys' files (README, "Key rotation") and the algorithm suite.
struct PersonCodeOptions: ParsableArguments {
    @Option(name: .long, help: "File holding the person-code HMAC secret of generation 1 (at least 16 bytes), when no key files by generation are set. Env HUB_PERSON_CODE_KEY_FILE, or the secret itself in HUB_PERSON_CODE_KEY. Required unless --person-code-key-files; never put it in a topology file.")
    var personCodeKeyFile: String?

    @OptionGroup var keys: PersonCodeKeyOptions
    @OptionGroup var crypto: CryptoOptions
}
