import Foundation
import Testing
import TestSupport

/// Issue 18: TLS and SASL are librdkafka properties passed through `--kafka-property` /
/// `HUB_KAFKA_PROPERTIES`. The development broker (tansu 0.6.0) has a plain listener only: its
/// `--cert` listener does not complete a TLS handshake and it answers SASL with a dropped
/// connection (tried by hand), so these tests check what can be checked here — a wrong value
/// stops a worker with one line naming it, and the properties reach the clients (a TLS or SASL
/// client cannot talk to the plain listener, while the same worker without them can).
@Suite("Kafka security properties")
struct KafkaSecurityTests {
    /// Runs hub-ingest with `properties`; a `sasl.password=…` item goes into a password file
    /// named by HUB_KAFKA_SASL_PASSWORD_FILE, the only way a worker accepts it (issue 21).
    func ingest(_ properties: String, _ extra: [String] = []) throws -> (status: Int32, err: String) {
        var items = properties.split(separator: ",").map(String.init)
        var environment = ["HUB_TOPIC_PREFIX": "securitycheck\(UInt32.random(in: 0...UInt32.max))."]
        let passwordFile = FileManager.default.temporaryDirectory.appendingPathComponent("sasl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        if let i = items.firstIndex(where: { $0.hasPrefix("sasl.password=") }) {
            try Data(items[i].dropFirst("sasl.password=".count).utf8).write(to: URL(fileURLWithPath: passwordFile))
            environment["HUB_KAFKA_SASL_PASSWORD_FILE"] = passwordFile
            items.remove(at: i)
        }
        environment["HUB_KAFKA_PROPERTIES"] = items.joined(separator: ",")
        let p = try ManagedProcess(executable: DeployTests.binDirectory + "/hub-ingest",
                                   arguments: ["--topology", DeployTests.repositoryRoot + "/Topologies"] + extra,
                                   environment: environment)
        let status = try p.waitForExit(timeout: .seconds(60))
        return (status, p.standardError())
    }

    @Test("a refused value is one line naming librdkafka's reason",
          arguments: [
            ("security.protocol=TLS", "Invalid value \"TLS\" for configuration property \"security.protocol\""),
            ("security.protocol=SSL,ssl.ca.location=/nonexistent/kafka-ca.pem", "ssl.ca.location failed"),
            ("security.protocol=SASL_SSL,sasl.mechanisms=GSSAPI", "No provider for SASL mechanism GSSAPI"),
            ("security.protocol=SASL_PLAINTEXT,sasl.mechanisms=SCRAM-SHA-1024,sasl.username=u,sasl.password=p", "Unsupported hash function"),
            ("security.protocol=SASL_PLAINTEXT,sasl.mechanisms=PLAIN", "sasl.username and sasl.password must be set"),
            ("ssl.keystore.locaton=/etc/x.p12", "No such configuration property: \"ssl.keystore.locaton\""),
          ])
    func refusedValues(properties: String, reason: String) throws {
        let r = try ingest(properties)
        #expect(r.status == 2)
        #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
        #expect(r.err.hasPrefix("hub-ingest: error: Kafka configuration (--kafka-property / HUB_KAFKA_PROPERTIES): "), "\(r.err)")
        #expect(r.err.contains(reason), "\(r.err)")
    }

    @Test func theSecurityPropertiesReachTheClients() throws {
        let brokers = try TestServices.kafkaBootstrap()
        // Plain: the broker answers (these topics do not exist there, which is the next check).
        let plain = try ingest("", ["--brokers", brokers, "--check-config"])
        #expect(plain.err.contains("has no topic"), "\(plain.err)")
        // TLS and SASL: accepted by librdkafka, but the plain listener cannot speak them.
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID().uuidString).pem").path
        defer { try? FileManager.default.removeItem(atPath: ca) }
        let openssl = try ManagedProcess(executable: "/usr/bin/openssl", arguments: [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key", "-out", ca, "-days", "1", "-subj", "/CN=localhost"])
        #expect(try openssl.waitForExit(timeout: .seconds(60)) == 0)
        defer { try? FileManager.default.removeItem(atPath: ca + ".key") }
        for properties in ["security.protocol=SSL,ssl.ca.location=\(ca)",
                           "security.protocol=SASL_PLAINTEXT,sasl.mechanisms=SCRAM-SHA-512,sasl.username=eduhub,sasl.password=x"] {
            let secured = try ingest(properties, ["--brokers", brokers, "--check-config", "--kafka-property", "socket.timeout.ms=3000"])
            #expect(secured.status == 2)
            #expect(secured.err.contains("cannot reach the Kafka broker"), "\(properties): \(secured.err)")
            #expect(!secured.err.contains("sasl.password=x") && !secured.err.contains("eduhub,"), "a property value was echoed")
        }
    }
}
