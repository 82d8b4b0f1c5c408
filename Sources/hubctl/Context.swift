import ArgumentParser
import Foundation
import HubStore
import Kafka
import Logging
import Operations
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
        var config = settings.kafkaConfig()
        // Shared settings carry consumer-only properties that producers ignore; not news.
        config.logHandler = { message in
            if message.facility == "CONFWARN" { return }
            FileHandle.standardError.write(Data("hubctl: librdkafka: \(message.message)\n".utf8))
        }
        return config
    }

    func database() throws -> PGConnection {
        do {
            // hubctl runs as the owner or an operator: nothing planted on a search path may run.
            return try PGConnection(conninfo: settings.database, pinnedSearchPath: true)
        } catch {
            throw ValidationError("cannot connect to the database: \(error). Check --database / HUB_DATABASE.")
        }
    }

    var schema: HubSchema { HubSchema(name: settings.schema) }

    /// Every topic the pipeline uses, with the partition count to create it with.
    /// Transport topics keep data only as long as the pipeline needs it to move on (README,
    /// "Retention"): raw values and `hub.ingested` (names and ID numbers in clear) 7 days, the
    /// dead letters 14 days (replays read PostgreSQL, not the topic). The registry, the standard
    /// zone and the alerts keep the broker's default.
    func retentionConfigs(_ topic: String) -> [String: String] {
        let day: Int64 = 86_400_000
        if topic == settings.quarantineTopic { return ["retention.ms": String(14 * day)] }
        if topic == settings.ingestedTopic || topology.streams.contains(where: { settings.topic($0.sourceTopic) == topic }) {
            return ["retention.ms": String(7 * day)]
        }
        return [:]
    }

    func allTopics(partitions: Int) -> [(name: String, partitions: Int)] {
        var topics = [(settings.registryTopic, 1), (settings.ingestedTopic, partitions), (settings.quarantineTopic, partitions), (settings.alertsTopic, 1)]
        for s in topology.streams {
            topics.append((settings.topic(s.sourceTopic), partitions))
            topics.append((settings.topic(s.outputTopic), partitions))
        }
        return topics
    }
}

/// Runs a library action, turning the errors that describe a refused request (``AccessError``,
/// ``OperationError``) into argument-parser's, which print the reason without a stack of types.
func asValidation<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AccessError {
        throw ValidationError(error.description)
    } catch let error as OperationError {
        throw ValidationError(error.description)
    }
}

/// Progress and results go to standard output; errors name the next step.
func say(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

/// Prints a query result as an aligned table: the first two columns left-aligned (names,
/// codes), the others right-aligned (figures).
func printTable(_ headers: [String], _ r: PGResult) {
    var rows = [headers]
    // An operator's table: NULL shows as an empty cell.
    for row in r.rows { rows.append(row.texts.prefix(headers.count).map { $0 ?? "" }) }
    var widths = headers.map { _ in 0 }
    for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
    for (n, row) in rows.enumerated() {
        say("  " + row.enumerated().map { i, c in
            i < 2 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                  : String(repeating: " ", count: widths[i] - c.count) + c
        }.joined(separator: "  "))
        if n == 0 { say("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
    }
    if r.rowCount == 0 { say("  (no rows)") }
}
