import ArgumentParser
import Foundation
import Kafka
import Postgres
import WorkerRuntime

struct PipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline", abstract: "Pipeline progress, and switching between the two deployments.",
        subcommands: [Wait.self, Lag.self, SwitchInput.self])

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

    /// Every partition of `topics`, each once even where two streams share a topic (none of a
    /// topic the broker does not have).
    static func partitions(of topics: [String], _ config: KafkaConfig) throws -> [TopicPartition] {
        var out: [TopicPartition] = []
        for t in Set(topics).sorted() {
            let n = try KafkaAdmin.partitionCount(config: config, topic: t, timeout: .seconds(10)) ?? 0
            out += (0..<Int32(n)).map { TopicPartition(topic: t, partition: $0) }
        }
        return out
    }

    /// `group`'s committed offsets of `partitions` (``TopicPartitionOffset/invalid`` where it
    /// committed nothing).
    static func committed(_ partitions: [TopicPartition], group: String, _ config: KafkaConfig) throws -> [TopicPartitionOffset] {
        var config = config
        config["group.id"] = group
        let consumer = try KafkaConsumer(config: config)
        defer { consumer.close() }
        return try consumer.committed(partitions, timeout: .seconds(10))
    }

    static func progress(_ ctx: Context, _ groups: Groups, _ db: PGConnection) throws -> Progress {
        let s = ctx.settings
        let config = ctx.kafkaConfig
        func lag(topics: [String], group: String) throws -> Int {
            let partitions = try PipelineCommand.partitions(of: topics, config)
            let committed = try PipelineCommand.committed(partitions, group: group, config)
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
        let sinkPartitions = try partitions(of: ctx.topology.streams.map { s.topic($0.outputTopic) } + [s.quarantineTopic], config)
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

    /// Hands the raw topics' committed offsets from the group that read them until now to the
    /// group that reads them from now on, so a deployment switched between the split pipeline
    /// (hub-ingest → hub.ingested → hub-transform) and the one without hub-ingest
    /// (`hub-transform --input raw`) neither reads the retained raw topics again nor skips any.
    struct SwitchInput: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "switch-input",
            abstract: "Hand the raw topics' committed offsets to the other deployment's group.",
            discussion: """
                --to raw: the transform group gets the ingest group's committed offsets on every raw topic of the \
                topology (then start hub-transform with --input raw, and no hub-ingest). --to ingested: the ingest \
                group gets the transform group's (then start hub-ingest, and hub-transform without --input raw). \
                Stop the workers of both groups first: the broker refuses a commit to a group with members. The \
                transform keeps its hub.ingested offsets either way. A raw partition the source group never \
                committed is left as it is in the target group.
                """)

        enum Target: String, ExpressibleByArgument, CaseIterable {
            case raw, ingested
        }

        @OptionGroup var common: CommonOptions
        @OptionGroup var groups: Groups
        @Option(name: .long, help: "raw: hub-transform reads the raw topics from now on; ingested: hub-ingest does again.")
        var to: Target
        @Flag(name: .long, help: "Print the offsets that would be committed, and commit nothing.") var dryRun = false

        func run() async throws {
            let ctx = try Context(common)
            let (source, target) = to == .raw ? (groups.ingestGroup, groups.transformGroup) : (groups.transformGroup, groups.ingestGroup)
            var config = ctx.kafkaConfig
            let partitions = try PipelineCommand.partitions(
                of: ctx.topology.streams.map { ctx.settings.topic($0.sourceTopic) }, config)
            guard !partitions.isEmpty else { throw ValidationError("the topology's raw topics do not exist on the broker") }
            func committed(_ group: String) throws -> [TopicPartition: Int64] {
                var out: [TopicPartition: Int64] = [:]
                for o in try PipelineCommand.committed(partitions, group: group, config) where o.offset >= 0 {
                    out[o.topicPartition] = o.offset
                }
                return out
            }
            let from = try committed(source), before = try committed(target)
            guard !from.isEmpty else {
                throw ValidationError("group \(source) has committed no offset on the raw topics: nothing to hand over to \(target)")
            }
            for p in partitions {
                let was = before[p].map(String.init) ?? "none"
                say("\(p.topic)[\(p.partition)]: " + (from[p].map { "\(target) \(was) → \($0)" } ?? "\(source) committed nothing; \(target) stays at \(was)"))
            }
            if dryRun { return }
            let moves = partitions.compactMap { p in from[p].map { TopicPartitionOffset(p, offset: $0) } }
            config["group.id"] = target
            let consumer = try KafkaConsumer(config: config)
            defer { consumer.close() }
            do {
                try consumer.commit(moves)
            } catch {
                throw ValidationError("the broker refused the offsets for group \(target) (\(error)); stop every worker of groups \(source) and \(target) first")
            }
            let after = try committed(target)
            let wrong = moves.filter { after[$0.topicPartition] != $0.offset }
            guard wrong.isEmpty else { throw ValidationError("group \(target) did not keep the offsets of \(wrong.map(\.description).joined(separator: ", "))") }
            say("group \(target) now starts \(moves.count) raw partitions where group \(source) stopped; start " +
                (to == .raw ? "hub-transform with --input raw, and no hub-ingest" : "hub-ingest, and hub-transform without --input raw"))
        }
    }
}
