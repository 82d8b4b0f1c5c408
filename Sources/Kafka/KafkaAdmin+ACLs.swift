import CRdKafka

/// One ALLOW rule on a literally named topic or consumer group, for any host.
public struct KafkaACL: Sendable, Hashable {
    public enum Operation: Sendable { case read, write, describe, delete }
    public enum Resource: Sendable, Hashable {
        case topic(String)
        case group(String)
    }

    public var principal: String
    public var operation: Operation
    public var resource: Resource

    public init(principal: String, operation: Operation, resource: Resource) {
        self.principal = principal
        self.operation = operation
        self.resource = resource
    }
}

extension KafkaAdmin {
    /// Adds `acls` (CreateAcls API; adding an existing rule changes nothing). Needs a cluster
    /// with an authorizer and a client allowed to alter the cluster's ACLs.
    public static func createACLs(config: KafkaConfig, _ acls: [KafkaACL], timeout: Duration) throws {
        guard !acls.isEmpty else { return }
        let client = try KafkaClient(kind: .producer, config: config, defaults: [:])
        var errorText = [CChar](repeating: 0, count: 512)

        var bindings: [OpaquePointer?] = []
        defer { for b in bindings { rd_kafka_AclBinding_destroy(b) } }
        for acl in acls {
            let (type, name): (rd_kafka_ResourceType_t, String) = switch acl.resource {
            case .topic(let t): (RD_KAFKA_RESOURCE_TOPIC, t)
            case .group(let g): (RD_KAFKA_RESOURCE_GROUP, g)
            }
            let operation: rd_kafka_AclOperation_t = switch acl.operation {
            case .read: RD_KAFKA_ACL_OPERATION_READ
            case .write: RD_KAFKA_ACL_OPERATION_WRITE
            case .describe: RD_KAFKA_ACL_OPERATION_DESCRIBE
            case .delete: RD_KAFKA_ACL_OPERATION_DELETE
            }
            guard let binding = rd_kafka_AclBinding_new(type, name, RD_KAFKA_RESOURCE_PATTERN_LITERAL, acl.principal, "*",
                                                        operation, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, &errorText, errorText.count) else {
                throw KafkaError.invalidConfiguration("ACL for \(acl.principal) on \(name): \(KafkaClient.string(errorText))")
            }
            bindings.append(binding)
        }

        try request(client, RD_KAFKA_ADMIN_OP_CREATEACLS, timeout: timeout, operationTimeout: false, context: "creating ACLs") { options, queue in
            rd_kafka_CreateAcls(client.handle, &bindings, bindings.count, options, queue)
        } read: { event in
            try checkCreatedACLs(event)
        }
    }

    /// Throws the first rule the broker did not add.
    private static func checkCreatedACLs(_ event: OpaquePointer) throws {
        var count = 0
        guard let result = rd_kafka_event_CreateAcls_result(event),
              let results = rd_kafka_CreateAcls_result_acls(result, &count) else { return }
        for index in 0..<count {
            guard let aclResult = results[index], let error = rd_kafka_acl_result_error(aclResult) else { continue }
            let code = rd_kafka_error_code(error)
            guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            throw KafkaError(code, context: "creating ACL \(index + 1) of \(count)", detail: String(cString: rd_kafka_error_string(error)))
        }
    }
}

extension KafkaAdmin {
    /// Deletes every record before each given offset (DeleteRecords API): the partition's log
    /// start moves up to it. Deleting up to an offset already passed changes nothing, so a
    /// retried purge is harmless. Needs DELETE on the topic.
    ///
    /// - Returns: the new log start offset of each partition, as the broker reports it.
    @discardableResult
    public static func deleteRecords(config: KafkaConfig, before offsets: [TopicPartitionOffset], timeout: Duration) throws
        -> [TopicPartitionOffset] {
        guard !offsets.isEmpty else { return [] }
        let client = try KafkaClient(kind: .producer, config: config, defaults: [:])
        let list = NativePartitionList(offsets)
        var deletion: OpaquePointer? = rd_kafka_DeleteRecords_new(list.pointer)
        defer { rd_kafka_DeleteRecords_destroy(deletion) }
        return try request(client, RD_KAFKA_ADMIN_OP_DELETERECORDS, timeout: timeout, operationTimeout: true,
                                context: "deleting records") { options, queue in
            rd_kafka_DeleteRecords(client.handle, &deletion, 1, options, queue)
        } read: { event in
            try deletedRecords(event)
        }
    }

    /// The new log start offsets the broker reports, or its first partition error.
    private static func deletedRecords(_ event: OpaquePointer) throws -> [TopicPartitionOffset] {
        guard let result = rd_kafka_event_DeleteRecords_result(event),
              let done = rd_kafka_DeleteRecords_result_offsets(result) else { return [] }
        var out: [TopicPartitionOffset] = []
        for i in 0..<Int(done.pointee.cnt) {
            let e = done.pointee.elems[i]
            let topic = String(cString: e.topic)
            guard e.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(e.err, context: "deleting records of \(topic)[\(e.partition)]")
            }
            out.append(TopicPartitionOffset(topic: topic, partition: e.partition, offset: e.offset))
        }
        return out
    }
}
