import ArgumentParser
import Kafka
import WorkerRuntime

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "Kafka topics of the pipeline.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create every topic the topology and the workers use (existing ones are kept).")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Partitions per topic (the registry gets 1). Default 3.")
        var partitions = 3

        func run() async throws {
            let ctx = try Context(common)
            let topics = ctx.allTopics(partitions: partitions)
            do {
                try KafkaAdmin.createTopics(config: ctx.kafkaConfig, topics, timeout: .seconds(30))
            } catch {
                throw ValidationError("cannot create topics on \(ctx.settings.brokers): \(error). Is the broker running?")
            }
            say("topics ready: " + topics.map { "\($0.name)(\($0.partitions))" }.joined(separator: " "))
        }
    }
}
