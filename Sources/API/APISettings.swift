import ArgumentParser
import Foundation
import WorkerRuntime

/// hub-api's own options; each also an environment variable (the flag wins) or a line of the
/// configuration file.
struct APIOptions: ParsableArguments {
    @Option(name: .long, help: "Address to listen on; \"::\" accepts IPv6 and IPv4. Env HUB_API_LISTEN. Default ::.")
    var listen: String?

    @Option(name: .long, help: "Small-cell threshold k: counts 1…k−1 are suppressed for non-operators. Env HUB_API_SUPPRESSION_K. Default 5.")
    var suppressionK: String?

    @Option(name: .long, help: "Requests per client per minute (0 = unlimited). Env HUB_API_RATE_LIMIT. Default 600.")
    var rateLimit: String?

    @Option(name: .long, help: "Longest time a request may take, in seconds. Env HUB_API_REQUEST_TIMEOUT_SECONDS. Default 30.")
    var requestTimeoutSeconds: String?

    @Option(name: .long, help: "Largest response body in bytes (pages are cut to fit). Env HUB_API_MAX_RESPONSE_BYTES. Default 8388608.")
    var maxResponseBytes: String?

    @Option(name: .long, help: "PostgreSQL connections for requests. Env HUB_API_DATABASE_CONNECTIONS. Default 8.")
    var databaseConnections: String?

    @Option(name: .long, help: "Console session lifetime in hours. Env HUB_API_SESSION_HOURS. Default 8.")
    var sessionHours: String?
}

/// The resolved configuration of hub-api; a bad value is a one-line error naming the flag
/// and the variable.
struct APISettings: Sendable {
    static let version = "1.0.0"

    var worker: WorkerSettings
    var listenHost: String
    var suppressionK: Int
    var rateLimitPerMinute: Int
    var requestTimeout: Duration
    var maxResponseBytes: Int
    var databaseConnections: Int
    var sessionLifetime: Duration

    init(common: CommonOptions, api o: APIOptions,
         environment processEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        worker = try WorkerSettings(stage: "api", defaultHTTPPort: 9486, options: common, environment: processEnvironment)
        var env = processEnvironment
        if let file = common.config ?? processEnvironment["HUB_CONFIG_FILE"], let data = FileManager.default.contents(atPath: file),
           let text = String(data: data, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                guard !t.hasPrefix("#"), let eq = t.firstIndex(of: "=") else { continue }
                let key = t[..<eq].trimmingCharacters(in: .whitespaces)
                if env[key] == nil { env[key] = t[t.index(after: eq)...].trimmingCharacters(in: .whitespaces) }
            }
        }
        func int(_ flag: String?, _ name: String, _ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            guard let text = flag ?? env[key] else { return fallback }
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
                throw ConfigurationError("--\(name) / \(key): expected a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
            }
            return n
        }
        listenHost = o.listen ?? env["HUB_API_LISTEN"] ?? "::"
        guard !listenHost.isEmpty, listenHost.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ConfigurationError("--listen / HUB_API_LISTEN: expected an address such as :: or 127.0.0.1, got \"\(listenHost)\"")
        }
        suppressionK = try int(o.suppressionK, "suppression-k", "HUB_API_SUPPRESSION_K", 5, 2...1000)
        rateLimitPerMinute = try int(o.rateLimit, "rate-limit", "HUB_API_RATE_LIMIT", 600, 0...1_000_000)
        requestTimeout = .seconds(try int(o.requestTimeoutSeconds, "request-timeout-seconds", "HUB_API_REQUEST_TIMEOUT_SECONDS", 30, 1...3600))
        maxResponseBytes = try int(o.maxResponseBytes, "max-response-bytes", "HUB_API_MAX_RESPONSE_BYTES", 8 << 20, 4096...(1 << 30))
        databaseConnections = try int(o.databaseConnections, "database-connections", "HUB_API_DATABASE_CONNECTIONS", 8, 1...256)
        sessionLifetime = .seconds(3600 * (try int(o.sessionHours, "session-hours", "HUB_API_SESSION_HOURS", 8, 1...720)))
    }
}
