import Postgres
import Topology

/// The hub's tables as a report builder or an evaluator works on them: the connection, the
/// schema they are in, and the topology they were made from (its monitors and scenarios).
public struct HubTables {
    public let db: PGConnection
    public let schema: HubSchema
    public let topology: Topology

    public init(db: PGConnection, schema: HubSchema, topology: Topology) {
        self.db = db
        self.schema = schema
        self.topology = topology
    }
}

/// A reader or evaluator of ``HubTables``: `db`, `schema` and `topology` are the tables'.
public protocol HubTablesReader {
    var tables: HubTables { get }
    init(tables: HubTables)
}

extension HubTablesReader {
    public init(db: PGConnection, schema: HubSchema, topology: Topology) {
        self.init(tables: HubTables(db: db, schema: schema, topology: topology))
    }

    public var db: PGConnection { tables.db }
    public var schema: HubSchema { tables.schema }
    public var topology: Topology { tables.topology }
}
