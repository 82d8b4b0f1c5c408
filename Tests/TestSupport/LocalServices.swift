import Foundation

/// The running broker and PostgreSQL server, as described by `services.env`.
struct LocalServices: Sendable {
    var directory: String
    var values: [String: String]

    var kafkaBootstrap: String { values["KAFKA_BOOTSTRAP"] ?? "" }
    var postgresConninfo: String { values["PG_CONNINFO"] ?? "" }
    var postgresPort: String { values["PG_PORT"] ?? "" }

    /// Uses the services named by `HUB_TEST_SERVICES_DIR`, or starts private ones.
    static func attachOrStart() throws -> LocalServices {
        if let directory = ProcessInfo.processInfo.environment["HUB_TEST_SERVICES_DIR"], !directory.isEmpty {
            return try load(directory)
        }
        let directory = "/tmp/hub-test-services-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        ServiceScript.stopAtExit(directory)
        try ServiceScript.run(["start", directory], environment: ["HUB_SERVICES_OWNER_PID": String(getpid())])
        return try load(directory)
    }

    /// Reads `DIR/services.env`: KEY=VALUE lines, values optionally in single quotes.
    static func load(_ directory: String) throws -> LocalServices {
        let path = directory + "/services.env"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ServicesError("no services.env in \(directory); start the services with scripts/services.sh start \(directory)")
        }
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            var value = line[line.index(after: equals)...]
            if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") {
                value = value.dropFirst().dropLast()
            }
            values[String(line[..<equals])] = String(value)
        }
        for key in ["KAFKA_BOOTSTRAP", "PG_CONNINFO", "PG_PORT"] where values[key] == nil {
            throw ServicesError("\(path) has no \(key)")
        }
        return LocalServices(directory: directory, values: values)
    }
}

/// Why the shared test services are unavailable.
struct ServicesError: Error, CustomStringConvertible, Sendable {
    var description: String
    init(_ description: String) { self.description = description }
}
