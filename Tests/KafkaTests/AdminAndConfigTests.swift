import Kafka
import Synchronization
import TestSupport
import Testing

@Suite("Admin operations and configuration errors")
struct AdminAndConfigTests {
    @Test("createTopics creates topics and accepts topics that already exist")
    func createTopicsIsIdempotent() throws {
        let bootstrap = try TestBroker.bootstrap()
        let first = TestServices.uniqueName("admin-a")
        let second = TestServices.uniqueName("admin-b")
        #expect(try KafkaAdmin.partitionCount(bootstrap: bootstrap, topic: first, timeout: .seconds(10)) == nil)

        try KafkaAdmin.createTopics(bootstrap: bootstrap, [(first, 3)], timeout: .seconds(10))
        try KafkaAdmin.createTopics(bootstrap: bootstrap, [(first, 3), (second, 2)], timeout: .seconds(10))

        #expect(try KafkaAdmin.partitionCount(bootstrap: bootstrap, topic: first, timeout: .seconds(10)) == 3)
        #expect(try KafkaAdmin.partitionCount(bootstrap: bootstrap, topic: second, timeout: .seconds(10)) == 2)
    }

    @Test("an unknown property is a KafkaError carrying librdkafka's message")
    func unknownProperty() {
        let config = KafkaConfig(["bootstrap.servers": "127.0.0.1:1", "no.such.property": "1"])
        do {
            _ = try KafkaProducer(config: config)
            Issue.record("expected a configuration error")
        } catch let error as KafkaError {
            #expect(error.message.contains("no.such.property"))
            #expect(!error.isRetriable)
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(throws: KafkaError.self) { _ = try KafkaConsumer(config: config) }
    }

    @Test("an invalid value is a KafkaError")
    func invalidValue() {
        #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(config: KafkaConfig(["acks": "sometimes"]))
        }
    }

    @Test("log lines reach the configured handler")
    func logHandler() throws {
        let lines = LogCollector()
        var config = KafkaConfig(["bootstrap.servers": try TestBroker.bootstrap(), "debug": "metadata"])
        config.logHandler = { lines.append($0) }
        let producer = try KafkaProducer(config: config)
        _ = try? producer.partitionCount(topic: "whatever", timeout: .seconds(5))
        #expect(!lines.isEmpty)
    }
}


final class LogCollector: Sendable {
    private let lines = Mutex<[KafkaLogMessage]>([])
    func append(_ line: KafkaLogMessage) { lines.withLock { $0.append(line) } }
    var isEmpty: Bool { lines.withLock { $0.isEmpty } }
}
