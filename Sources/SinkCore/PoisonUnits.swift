import Aggregation
import HubCore
import Postgres

/// The quarantine units that stand for what the sink isolated: content-free by construction.
enum PoisonUnits {
    /// The quarantine unit that stands for a standard record the database refused: its
    /// position, type and (validated) school, the column when the server named it, and the
    /// failure's SQLSTATE — no value. It has no raw bytes (the sink never had them; the raw
    /// zone keeps the message) and no parsed record, so it cannot be replayed.
    static func isolatedUnit(of record: StandardRecord, failure: any Error) -> QuarantineUnit {
        let reason: QuarantineReason
        var field: String?
        switch failure {
        case let e as PGError:
            reason = e.sqlState == "22003" ? .invalidCode : .malformed
            field = e.column
        case is AggregateOverflow:
            reason = .invalidCode
        default:
            reason = .malformed
        }
        return QuarantineUnit(position: record.position, timestampMs: record.sourceTimestampMs, recordType: record.type,
                              reason: reason, field: field, detail: "isolated by the sink: " + failureSummary(failure),
                              schoolCode: SchoolCode.dimension(record.schoolCode), raw: [], record: nil)
    }

    /// A quarantine unit the database refused, with only what cannot be refused: position,
    /// type, reason, the failure, and its bytes (bytea).
    static func reduced(_ unit: QuarantineUnit, failure: any Error) -> QuarantineUnit {
        var out = unit
        out.field = nil
        out.schoolCode = nil
        out.detail = "stored without its details: " + failureSummary(failure)
        return out
    }

    /// A content-free account of a failure (a PostgreSQL message may quote the value).
    static func failureSummary(_ failure: any Error) -> String {
        switch failure {
        case let e as PGError: e.conditionSummary
        case let e as AggregateOverflow: e.description
        default: "\(type(of: failure))"
        }
    }
}
