import ArgumentParser
import Foundation
import Kafka
import Postgres
import WorkerRuntime

struct PipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline", abstract: "Pipeline progress.", subcommands: [Wait.self, Lag.self])

    /// How far each stage is behind: per stage, messages not yet committed.
    struct Progress {
        var ingest = 0, transform = 0, sink = 0
        var total: Int { ingest + transform + sink }
    }

    struct Groups: ParsableArguments {
        @Option(name: .long, help: "Ingest consumer group. Default hub-ingest.") var ingestGroup = "hub-ingest"
        @Option(name: .long, help: "Transform consumer group. Default hub-transform.") var transformGroup = "hub-transform"
        @Option(name: .long, help: "Sink consumer group (offsets stored in PostgreSQL). Default hub-sink.") var sinkGroup = "hub-sink"
    }

    static func progress(_ ctx: Context, _ groups: Groups, _ db: PGConnection) throws -> Progress {
        let s = ctx.settings
        var config = ctx.kafkaConfig
        func lag(topics: [String], group: String) throws -> Int {
            config["group.id"] = group
            let consumer = try KafkaConsumer(config: config)
            defer { consumer.close() }
            var partitions: [TopicPartition] = []
            for t in topics {
                let n = try KafkaAdmin.partitionCount(config: config, topic: t, timeout: .seconds(10)) ?? 0
                partitions += (0..<Int32(n)).map { TopicPartition(topic: t, partition: $0) }
            }
            let committed = try consumer.committed(partitions, timeout: .seconds(10))
            let highs = try KafkaWatermarks.high(config: ctx.kafkaConfig, partitions, timeout: .seconds(10))
            var behind = 0
            for p in partitions {
                let c = committed.first { $0.topicPartition == p }?.offset ?? 0
                behind += Int(max(0, (highs[p] ?? 0) - max(0, c)))
            }
            return behind
        }
        var p = Progress()
        p.ingest = try lag(topics: ctx.topology.streams.map { s.topic($0.sourceTopic) }, group: groups.ingestGroup)
        p.transform = try lag(topics: [s.ingestedTopic], group: groups.transformGroup)
        // The sink keeps its offsets in PostgreSQL.
        var sinkPartitions: [TopicPartition] = []
        for t in ctx.topology.streams.map({ s.topic($0.outputTopic) }) + [s.quarantineTopic] {
            let n = try KafkaAdmin.partitionCount(config: config, topic: t, timeout: .seconds(10)) ?? 0
            sinkPartitions += (0..<Int32(n)).map { TopicPartition(topic: t, partition: $0) }
        }
        let highs = try KafkaWatermarks.high(config: ctx.kafkaConfig, sinkPartitions, timeout: .seconds(10))
        for tp in sinkPartitions {
            // No row (or no table yet): the sink has committed nothing of the partition.
            let r = try? db.query("SELECT next_offset FROM \(s.schema).sink_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3",
                                  bind: groups.sinkGroup, tp.topic, tp.partition)
            let stored = try r?.rows.first?.decode("next_offset", as: Int64.self) ?? 0
            p.sink += Int(max(0, (highs[tp] ?? 0) - stored))
        }
        return p
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Wait until every stage has committed everything on its input topics.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var groups: Groups
        @Option(name: .long, help: "Give up after this many seconds. Default 300.") var timeout = 300

        func run() async throws {
            let ctx = try Context(common)
            let db = try ctx.database()
            let start = Date()
            var last = ""
            while Date().timeIntervalSince(start) < Double(timeout) {
                let p = try PipelineCommand.progress(ctx, groups, db)
                let line = "waiting: ingest \(p.ingest), transform \(p.transform), sink \(p.sink) messages behind"
                if p.total == 0 {
                    say(String(format: "pipeline caught up after %.1f s", Date().timeIntervalSince(start)))
                    return
                }
                if line != last { say(line); last = line }
                try await Task.sleep(for: .milliseconds(500))
            }
            throw ValidationError("the pipeline did not catch up within \(timeout) s; check the workers' logs")
        }
    }

    struct Lag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print how many messages each stage has not committed yet.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var groups: Groups

        func run() async throws {
            let ctx = try Context(common)
            let p = try PipelineCommand.progress(ctx, groups, try ctx.database())
            say("ingest \(p.ingest)  transform \(p.transform)  sink \(p.sink)")
        }
    }
}
