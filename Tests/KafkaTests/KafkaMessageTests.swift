import Kafka
import Testing

@Suite("KafkaMessage header lookup")
struct KafkaMessageTests {
    private let message = KafkaMessage(
        topic: "t", partition: 0, offset: 0, value: nil,
        headers: [
            KafkaHeader(name: "Content-Type", string: "a"),
            KafkaHeader(name: "content-type", string: "b"),
            KafkaHeader(name: "X-Null", value: nil),
        ]
    )

    @Test("names match case-insensitively and the last header wins")
    func lastWins() {
        #expect(message.header("CONTENT-TYPE") == Array("b".utf8))
    }

    @Test("a missing header and a null header value both read as nil")
    func missingAndNull() {
        #expect(message.header("x-null") == nil)
        #expect(message.header("missing") == nil)
    }
}
