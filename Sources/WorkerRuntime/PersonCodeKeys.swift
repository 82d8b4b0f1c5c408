import ArgumentParser
import Foundation
import HubCore
import HubCrypto

/// Where the person-code keys come from (README, "Key rotation"): key files by generation,
/// `HUB_PERSON_CODE_KEY_FILES=1=/run/secrets/k1,2=/run/secrets/k2`, or one key of generation 1
/// (`HUB_PERSON_CODE_KEY_FILE`, or the secret itself in `HUB_PERSON_CODE_KEY`). Never a flag
/// value or a topology file, so a key does not show in process lists or repositories; never
/// logged (errors name the setting and the path, not the bytes).
public enum PersonCodeKeys {
    /// What a worker needs.
    public enum Need: Sendable {
        /// Every generation from 1 up to the highest (the transform: `k_1` is the chain's inner step).
        case fullChain
        /// Whatever is configured, possibly nothing (the sink: outer keys only, to move codes on).
        case outerKeys
    }

    /// The keyring for `need`, read from `files` (a `--person-code-key-files` value), `file`
    /// (`--person-code-key-file`) or the environment and config file in `source`.
    public static func load(files: String?, file: String?, source: SettingSource, suite: CipherSuite,
                            need: Need) throws(ConfigurationError) -> PersonCodeKeyring {
        var secrets: [Int: [UInt8]] = [:]
        if let list = files ?? source.value("HUB_PERSON_CODE_KEY_FILES"), !list.isEmpty {
            for entry in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let g = Int(parts[0]), (1...PersonCodeKeyring.maxGeneration).contains(g) else {
                    throw ConfigurationError("HUB_PERSON_CODE_KEY_FILES: entry \"\(entry.split(separator: "=").first ?? "")=…\" is not "
                                             + "GENERATION=PATH with a generation from 1 to \(PersonCodeKeyring.maxGeneration)")
                }
                guard secrets[g] == nil else { throw ConfigurationError("HUB_PERSON_CODE_KEY_FILES: generation \(g) is listed twice") }
                secrets[g] = try read(parts[1], setting: "HUB_PERSON_CODE_KEY_FILES")
            }
        } else if need == .fullChain {
            if let path = file ?? source.value("HUB_PERSON_CODE_KEY_FILE") {
                secrets[1] = try read(path, setting: "HUB_PERSON_CODE_KEY_FILE")
            } else if let value = source.value("HUB_PERSON_CODE_KEY") {
                secrets[1] = try checked(Array(value.utf8), setting: "HUB_PERSON_CODE_KEY")
            } else {
                throw ConfigurationError("missing the person-code secret: set HUB_PERSON_CODE_KEY_FILES, HUB_PERSON_CODE_KEY_FILE "
                                         + "(or HUB_PERSON_CODE_KEY)")
            }
        }
        var keys: [Int: Pseudonymizer] = [:]
        for (g, secret) in secrets {
            do {
                keys[g] = try Pseudonymizer(secret: secret, suite: suite)
            } catch {
                throw ConfigurationError("person-code key of generation \(g): \(error.description)")
            }
        }
        let keyring: PersonCodeKeyring
        do {
            keyring = try PersonCodeKeyring(keys: keys)
        } catch {
            throw ConfigurationError("HUB_PERSON_CODE_KEY_FILES: \(error.description)")
        }
        if need == .fullChain, let missing = (1...keyring.current).first(where: { keys[$0] == nil }) {
            throw ConfigurationError("HUB_PERSON_CODE_KEY_FILES: generation \(missing) is missing; the transform needs every "
                                     + "generation from 1 to \(keyring.current) (codes are chained)")
        }
        return keyring
    }

    private static func read(_ path: String, setting: String) throws(ConfigurationError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(setting): cannot read the person-code key file \(path)")
        }
        var bytes = Array(data)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        return try checked(bytes, setting: "\(setting) (\(path))")
    }

    private static func checked(_ bytes: [UInt8], setting: String) throws(ConfigurationError) -> [UInt8] {
        guard bytes.count >= 16 else { throw ConfigurationError("\(setting): the person-code secret must be at least 16 bytes long") }
        return bytes
    }
}

/// The keyring flags, for the workers and `hubctl` verbs that use person-code keys.
public struct PersonCodeKeyOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: "Person-code key files by generation, GENERATION=PATH comma-separated (e.g. 1=/run/secrets/k1,2=/run/secrets/k2); new codes use the highest. Env HUB_PERSON_CODE_KEY_FILES. Files only, never the secret itself.")
    public var personCodeKeyFiles: String?

    public init() {}
}
