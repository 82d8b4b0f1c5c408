import ArgumentParser
import Foundation
import HubStore
import Kafka
import Logging
import Postgres
import Topology
import WorkerRuntime

/// What most subcommands need: resolved settings, the topology, clients on demand.
struct Context {
    let settings: WorkerSettings
    let topology: Topology

    init(_ options: CommonOptions) throws {
        do {
            settings = try WorkerSettings(stage: "hubctl", defaultHTTPPort: 0, options: options)
        } catch {
            throw ValidationError(error.description)
        }
        do {
            topology = try TopologyLoader.load(directory: settings.topologyDirectory)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    var kafkaConfig: KafkaConfig {
        var props = ["bootstrap.servers": settings.brokers, "client.id": "eduhub-hubctl"]
        props.merge(settings.kafkaProperties) { $1 }
        var config = KafkaConfig(props)
        // Shared settings carry consumer-only properties that producers ignore; not news.
        config.logHandler = { message in
            if message.facility == "CONFWARN" { return }
            FileHandle.standardError.write(Data("hubctl: librdkafka: \(message.message)\n".utf8))
        }
        return config
    }

    func database() throws -> PGConnection {
        do {
            return try PGConnection(conninfo: settings.database)
        } catch {
            throw ValidationError("cannot connect to the database: \(error). Check --database / HUB_DATABASE.")
        }
    }

    var schema: HubSchema { HubSchema(name: settings.schema) }

    /// Every topic the pipeline uses, with the partition count to create it with.
    func allTopics(partitions: Int) -> [(name: String, partitions: Int)] {
        var topics = [(settings.registryTopic, 1), (settings.ingestedTopic, partitions), (settings.quarantineTopic, partitions), (settings.alertsTopic, 1)]
        for s in topology.streams {
            topics.append((settings.topic(s.sourceTopic), partitions))
            topics.append((settings.topic(s.outputTopic), partitions))
        }
        return topics
    }
}

/// Progress and results go to standard output; errors name the next step.
func say(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}
