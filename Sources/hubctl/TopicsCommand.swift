import ArgumentParser
import Foundation
import HubCore
import Kafka
import WorkerRuntime

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "Kafka topics of the pipeline.", subcommands: [Create.self, ACL.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create every topic the topology and the workers use (existing ones are kept).",
            discussion: "New transport topics get retention.ms: raw topics and hub.ingested 7 days, the dead-letter topic 14 days (README, \"Retention\").")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Partitions per topic (the registry gets 1). Default 3.")
        var partitions = 3

        func run() async throws {
            let ctx = try Context(common)
            let topics = ctx.allTopics(partitions: partitions)
            do {
                try KafkaAdmin.createTopics(config: ctx.kafkaConfig, topics.map { (name: $0.name, partitions: $0.partitions,
                                                                                   configs: ctx.retentionConfigs($0.name)) },
                                            timeout: .seconds(30))
            } catch {
                throw ValidationError("cannot create topics on \(ctx.settings.brokers): \(error). Is the broker running?")
            }
            say("topics ready: " + topics.map { "\($0.name)(\($0.partitions))" }.joined(separator: " "))
        }
    }

    struct ACL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "acl",
            abstract: "Print (or apply) the Kafka ACLs each worker needs: who may read and write which topic and group, nothing more.",
            discussion: """
                Principals default to User:hub-<role> (roles: ingest, transform, sink, archive, scheduler, \
                registry-publisher, school-producer); --principal ROLE=User:NAME changes one. --format kafka-acls prints \
                kafka-acls.sh commands. --apply adds the rules through the CreateAcls API (the client needs the right \
                to alter the cluster's ACLs; the broker needs an authorizer). Groups are the workers' defaults or \
                --ingest-group/--transform-group/--sink-group/--archive-group.
                """)
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "ROLE=PRINCIPAL, e.g. sink=User:eduhub-sink (repeatable).") var principal: [String] = []
        @Option(name: .long, help: "rules (default) or kafka-acls.") var format = "rules"
        @Flag(name: .long, help: "Add the rules on the broker (CreateAcls).") var apply = false
        @Option(name: .long) var ingestGroup = "hub-ingest"
        @Option(name: .long) var transformGroup = "hub-transform"
        @Option(name: .long) var sinkGroup = "hub-sink"
        @Option(name: .long) var archiveGroup = "hub-archive"
        @Option(name: .long, help: """
            What hub-transform reads: ingested or raw (--input raw: it reads the raw topics and no hub-ingest runs). \
            Env HUB_TRANSFORM_INPUT (or the configuration file), as for hub-transform. Default ingested.
            """)
        var transformInput: String?

        func run() async throws {
            // Resolved as hub-transform resolves its --input: flag, environment, configuration file.
            let transformInput: String
            do {
                transformInput = try SettingSource(configFile: common.config).choice(
                    self.transformInput, flag: "--transform-input", env: "HUB_TRANSFORM_INPUT", default: "ingested", choices: ["ingested", "raw"])
            } catch {
                throw ValidationError(error.description)
            }
            guard ["rules", "kafka-acls"].contains(format) else { throw ValidationError("--format must be rules or kafka-acls, not \"\(format)\"") }
            var principals: [KafkaAccessPlan.Principal: String] = [:]
            for role in KafkaAccessPlan.Principal.allCases { principals[role] = "User:hub-\(role.rawValue)" }
            for p in principal {
                guard let eq = p.firstIndex(of: "="), let role = KafkaAccessPlan.Principal(rawValue: String(p[..<eq])),
                      p[p.index(after: eq)...].contains(":") else {
                    throw ValidationError("--principal \"\(p)\" must be ROLE=Type:name with ROLE one of "
                                          + KafkaAccessPlan.Principal.allCases.map(\.rawValue).joined(separator: ", "))
                }
                principals[role] = String(p[p.index(after: eq)...])
            }
            let ctx = try Context(common)
            let s = ctx.settings
            let plan = KafkaAccessPlan(topics: .init(
                raw: ctx.topology.streams.map { s.topic($0.sourceTopic) }, registry: s.registryTopic, ingested: s.ingestedTopic,
                quarantine: s.quarantineTopic, alerts: s.alertsTopic, standardZone: ctx.topology.streams.map { s.topic($0.outputTopic) },
                groups: [.ingest: ingestGroup, .transform: transformGroup, .sink: sinkGroup, .archive: archiveGroup]),
                principals: principals, transformReadsRaw: transformInput == "raw")
            switch format {
            case "kafka-acls": plan.kafkaAclsCommands(bootstrap: s.brokers).forEach(say)
            default: plan.rules.forEach { say($0.description) }
            }
            guard apply else { return }
            let acls = plan.rules.map { r in
                KafkaACL(principal: r.principal, operation: Self.operation(r.operation),
                         resource: r.resourceType == .topic ? .topic(r.resource) : .group(r.resource))
            }
            do {
                try KafkaAdmin.createACLs(config: ctx.kafkaConfig, acls, timeout: .seconds(30))
            } catch {
                throw ValidationError("cannot add the ACLs on \(s.brokers): \(error)")
            }
            say("applied \(acls.count) ACL rules")
        }

        static func operation(_ o: KafkaAccessPlan.Operation) -> KafkaACL.Operation {
            switch o {
            case .read: .read
            case .write: .write
            case .describe: .describe
            case .delete: .delete
            }
        }
    }
}
