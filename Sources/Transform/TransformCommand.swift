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
        let (settings, secret) = WorkerMain.settings("transform", httpPort: 9482, common) { source in
            try PersonCodeSecret.load(file: personCode.personCodeKeyFile, source: source)
        }
        // The suite picks the person-code MAC (HMAC-SHA256 or HMAC-SM3); checked before anything starts.
        let pseudonymizer: Pseudonymizer
        do {
            pseudonymizer = try Pseudonymizer(secret: secret, suite: CryptoSettings(options: personCode.crypto).suite)
        } catch let error as ConfigurationError {
            WorkerMain.fail("transform", error.description)
        } catch {
            WorkerMain.fail("transform", "person-code key: \(error)")
        }
        let topology = WorkerMain.loadTopology(settings)
        if settings.checkConfig {
            WorkerMain.checkBroker(settings, topic: settings.registryTopic)
            print("hub-transform: configuration ok; streams: \(topology.streams.map(\.name).joined(separator: ", ")); registry: \(settings.registryTopic)")
            return
        }
        let context = WorkerMain.bootstrap(settings, topology: topology)
        try await WorkerMain.run(TransformWorker(context: context, pseudonymizer: pseudonymizer), context: context)
    }
}

/// How person codes are made: the secret's file and the algorithm suite.
struct PersonCodeOptions: ParsableArguments {
    @Option(name: .long, help: "File holding the person-code HMAC secret (at least 16 bytes). Env HUB_PERSON_CODE_KEY_FILE, or the secret itself in HUB_PERSON_CODE_KEY. Required; never put it in a topology file.")
    var personCodeKeyFile: String?

    @OptionGroup var crypto: CryptoOptions
}

/// Where the person-code secret comes from: a file, or the environment. Never a flag value
/// or a topology file, so it does not show in process lists or repositories.
enum PersonCodeSecret {
    static func load(file: String?, source: SettingSource) throws(ConfigurationError) -> [UInt8] {
        var bytes: [UInt8]
        if let path = file ?? source.value("HUB_PERSON_CODE_KEY_FILE") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("cannot read the person-code key file \(path)")
            }
            bytes = Array(data)
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        } else if let value = source.value("HUB_PERSON_CODE_KEY") {
            bytes = Array(value.utf8)
        } else {
            throw ConfigurationError("missing the person-code secret: set HUB_PERSON_CODE_KEY_FILE (or HUB_PERSON_CODE_KEY)")
        }
        guard bytes.count >= 16 else {
            throw ConfigurationError("the person-code secret must be at least 16 bytes long")
        }
        return bytes
    }
}
