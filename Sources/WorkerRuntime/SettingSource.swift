import Foundation

/// Where a setting's value comes from, in order: the flag, the environment, the configuration
/// file (`--config` / `HUB_CONFIG_FILE`), the documented default. A value that is there but
/// cannot be used is an error naming exactly the flag or variable it came from, never a silent
/// fallback to the default.
public struct SettingSource: Sendable {
    /// The process environment.
    let environment: [String: String]
    /// `KEY=VALUE` lines of the configuration file, if one was given.
    let file: [String: String]
    let filePath: String?

    /// Reads the configuration file named by `configFile` or `HUB_CONFIG_FILE`, if any.
    public init(configFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        self.environment = environment
        filePath = configFile ?? environment["HUB_CONFIG_FILE"]
        file = try filePath.map { path throws(ConfigurationError) in try Self.readConfigFile(path) } ?? [:]
    }

    /// A setting's text and where it came from, or nil when neither the flag, the environment
    /// nor the file sets it.
    public func raw(_ flagValue: String?, flag: String, env key: String) -> (text: String, origin: String)? {
        if let flagValue { return (flagValue, flag) }
        if let value = environment[key] { return (value, key) }
        if let value = file[key], let filePath { return (value, "\(key) (in \(filePath))") }
        return nil
    }

    /// The value of an environment-style key from the environment or the file (the flag is
    /// handled by the caller).
    public func value(_ key: String) -> String? { environment[key] ?? file[key] }

    /// A text setting: flag, environment, file, default.
    public func string(_ flagValue: String?, flag: String, env key: String, default fallback: String) -> String {
        raw(flagValue, flag: flag, env: key)?.text ?? fallback
    }

    /// An optional text setting (no default).
    public func optionalString(_ flagValue: String?, flag: String, env key: String) -> String? {
        raw(flagValue, flag: flag, env: key)?.text
    }

    /// An integer setting within `range`. A flag's text was already read as an integer by the
    /// argument parser; the environment's must be a whole decimal number (no sign other than
    /// `-`, no unit, no spaces inside).
    public func integer(_ flagValue: Int?, flag: String, env key: String, default fallback: Int,
                        range: ClosedRange<Int>, unit: String = "") throws(ConfigurationError) -> Int {
        try optionalInteger(flagValue, flag: flag, env: key, range: range, unit: unit) ?? fallback
    }

    /// An optional integer setting within `range`.
    public func optionalInteger(_ flagValue: Int?, flag: String, env key: String,
                                range: ClosedRange<Int>, unit: String = "") throws(ConfigurationError) -> Int? {
        guard let (text, origin) = raw(flagValue.map(String.init), flag: flag, env: key) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let n = Int(trimmed), range.contains(n) else {
            throw ConfigurationError("\(origin) must be \(Self.describe(range, unit: unit)), not \"\(text.prefix(64))\"")
        }
        return n
    }

    /// A setting that must be one of `choices`.
    public func choice(_ flagValue: String?, flag: String, env key: String, default fallback: String,
                       choices: [String]) throws(ConfigurationError) -> String {
        guard let (text, origin) = raw(flagValue, flag: flag, env: key) else { return fallback }
        guard choices.contains(text) else {
            throw ConfigurationError("\(origin) must be one of \(choices.joined(separator: ", ")), not \"\(text.prefix(64))\"")
        }
        return text
    }

    static func describe(_ range: ClosedRange<Int>, unit: String) -> String {
        let suffix = unit.isEmpty ? "" : " (\(unit))"
        switch (range.lowerBound, range.upperBound) {
        case (1, Int.max): return "a positive integer" + suffix
        case (0, Int.max): return "an integer of 0 or more" + suffix
        case (let low, Int.max): return "an integer of at least \(low)" + suffix
        case (let low, let high): return "an integer from \(low) to \(high)" + suffix
        }
    }

    /// `KEY=VALUE` lines; blank lines and `#` comments ignored; values may be quoted.
    static func readConfigFile(_ path: String) throws(ConfigurationError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("cannot read the configuration file \(path) (--config / HUB_CONFIG_FILE)")
        }
        var out: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else {
                throw ConfigurationError("\(path):\(n + 1): expected KEY=VALUE")
            }
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = String(value.dropFirst().dropLast())
            }
            out[line[..<eq].trimmingCharacters(in: .whitespaces)] = value
        }
        return out
    }
}
