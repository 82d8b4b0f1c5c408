/// The Kafka ACLs each pipeline principal needs, and nothing more (issue 21): who may read and
/// write which topic and use which consumer group.
///
/// Derived from what each worker does (README, "Kafka ACLs"):
/// - **ingest** reads the raw topics in its group; writes `hub.ingested` and the dead letters.
/// - **transform** reads `hub.ingested` in its group and all of `ref.school` (assigned, no
///   group); writes the standard-zone topics and the dead letters. Reading the raw topics
///   itself (`--input raw`, `transformReadsRaw`), it also reads them, and ingest, which does
///   not run then, gets no rules.
/// - **sink** reads the standard-zone topics and the dead letters in its group (offsets live
///   in PostgreSQL); writes the alerts topic.
/// - **archive** reads the raw topics and `ref.school` in its group.
/// - **scheduler** (watermark sensor) describes the raw topics and the internal topics (high
///   watermarks) and the ingest and transform groups (committed offsets); its
///   `quarantine_replay` task writes `hub.ingested`; its `purge` task deletes the dead letters
///   the sink has stored (DeleteRecords needs Delete on the topic).
/// - **registry publisher** (the school registry's owner) writes `ref.school` — nobody else may,
///   since the registry decides which county a school's records count in, and so what
///   row-level security shows.
/// - **school producers** write the raw topics (a school or county system; its own key is
///   not trusted for anything: the raw zone is owned by the registry).
///
/// READ and WRITE on a topic imply DESCRIBE in Kafka, so DESCRIBE is listed only alone.
/// No principal may create, delete or alter topics, or touch the cluster; setup runs as an
/// administrator (`hubctl topics create`).
public struct KafkaAccessPlan: Sendable {
    public enum Operation: String, Sendable, Comparable {
        case read = "Read", write = "Write", describe = "Describe", delete = "Delete"
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    public enum ResourceType: String, Sendable, Comparable {
        case topic = "Topic", group = "Group"
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// One ALLOW rule on a literal resource name.
    public struct Rule: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var principal: String
        public var operation: Operation
        public var resourceType: ResourceType
        public var resource: String

        public init(_ principal: String, _ operation: Operation, _ resourceType: ResourceType, _ resource: String) {
            self.principal = principal
            self.operation = operation
            self.resourceType = resourceType
            self.resource = resource
        }

        public static func < (a: Rule, b: Rule) -> Bool {
            (a.principal, a.resourceType, a.resource, a.operation) < (b.principal, b.resourceType, b.resource, b.operation)
        }

        /// `User:hub-sink  Allow  Read  Topic  std.student`
        public var description: String {
            "\(principal)  Allow  \(operation.rawValue)  \(resourceType.rawValue)  \(resource)"
        }
    }

    /// The pipeline's principals (Kafka `User:` names from SASL or TLS), one per role.
    public enum Principal: String, Sendable, CaseIterable {
        case ingest, transform, sink, archive, scheduler
        case registryPublisher = "registry-publisher"
        case schoolProducer = "school-producer"
    }

    /// Topic names as configured (with prefix) and the consumer groups.
    public struct Topics: Sendable {
        public var raw: [String]
        public var registry: String
        public var ingested: String
        public var quarantine: String
        public var alerts: String
        public var standardZone: [String]
        public var groups: [Principal: String]

        public init(raw: [String], registry: String, ingested: String, quarantine: String, alerts: String,
                    standardZone: [String], groups: [Principal: String]) {
            self.raw = raw
            self.registry = registry
            self.ingested = ingested
            self.quarantine = quarantine
            self.alerts = alerts
            self.standardZone = standardZone
            self.groups = groups
        }
    }

    public let rules: [Rule]

    /// - Parameters:
    ///   - principals: the Kafka principal of each role, e.g. `User:hub-sink`.
    ///   - transformReadsRaw: Transform decodes the raw topics itself (`--input raw`): no ingest.
    public init(topics t: Topics, principals: [Principal: String], transformReadsRaw: Bool = false) {
        var out: [Rule] = []
        func add(_ who: Principal, _ op: Operation, topics names: [String]) {
            guard let p = principals[who] else { return }
            for n in names { out.append(Rule(p, op, .topic, n)) }
        }
        func group(_ who: Principal, _ op: Operation = .read, of: Principal? = nil) {
            guard let p = principals[who], let g = t.groups[of ?? who] else { return }
            out.append(Rule(p, op, .group, g))
        }
        if !transformReadsRaw {
            add(.ingest, .read, topics: t.raw)
            add(.ingest, .write, topics: [t.ingested, t.quarantine])
            group(.ingest)
        }

        add(.transform, .read, topics: (transformReadsRaw ? t.raw : []) + [t.ingested, t.registry])
        add(.transform, .write, topics: t.standardZone + [t.quarantine])
        group(.transform)

        add(.sink, .read, topics: t.standardZone + [t.quarantine])
        add(.sink, .write, topics: [t.alerts])
        group(.sink)

        add(.archive, .read, topics: t.raw + [t.registry])
        group(.archive)

        add(.scheduler, .describe, topics: t.raw + [t.ingested] + t.standardZone + [t.quarantine])
        add(.scheduler, .write, topics: [t.ingested])
        add(.scheduler, .delete, topics: [t.quarantine])
        // Reading raw, Transform's group commits the raw offsets: the sensor runs with
        // `--ingest-group` set to it, and ingest's group is not looked at.
        if !transformReadsRaw { group(.scheduler, .describe, of: .ingest) }
        group(.scheduler, .describe, of: .transform)

        add(.registryPublisher, .write, topics: [t.registry])
        add(.schoolProducer, .write, topics: t.raw)
        rules = Array(Set(out)).sorted()
    }

    /// The rules of one principal.
    public func rules(for principal: String) -> [Rule] { rules.filter { $0.principal == principal } }

    /// `kafka-acls.sh` commands that add the rules (one per line), for clusters managed that way.
    public func kafkaAclsCommands(bootstrap: String) -> [String] {
        rules.map { r in
            let resource = r.resourceType == .topic ? "--topic" : "--group"
            return "kafka-acls.sh --bootstrap-server \(bootstrap) --add --allow-principal \(r.principal) "
                + "--operation \(r.operation.rawValue) \(resource) \(r.resource) --resource-pattern-type literal"
        }
    }
}
