import Aggregation
import FailureIsolation
import HubCore
import Postgres

/// One unit of a sink batch, by index: a standard record or a quarantine unit.
enum SinkUnit: Sendable {
    case record(Int)
    case quarantine(Int)
}

extension SinkStore {
    /// The commit of a batch whose one-transaction commit failed deterministically. A new
    /// transaction fences the offsets exactly as before; then ``PoisonIsolation`` applies the
    /// batch in savepoints, halving every part that fails, until each poison unit stands
    /// alone. A poison standard record becomes a quarantine unit (reason, column, SQLSTATE;
    /// never the value), a poison quarantine unit is stored without the details that were
    /// refused; everything else commits with the offsets, once.
    func commitIsolating(group: String, _ batch: SinkBatch, failure: any Error, beforeCommit: () -> Void) throws -> SinkCommitSummary {
        try db.transaction { db in
            try fence(group: group, batch.offsets)
            var summary = SinkCommitSummary()
            let units = batch.records.indices.map(SinkUnit.record) + batch.quarantine.indices.map(SinkUnit.quarantine)
            let outcome = try PoisonIsolation.apply(
                units, knownToFail: failure,
                attempt: { body in try db.transaction { _ in try body() } },
                apply: { part in
                    var records: [StandardRecord] = []
                    var quarantine: [QuarantineUnit] = []
                    for unit in part {
                        switch unit {
                        case .record(let i): records.append(batch.records[i])
                        case .quarantine(let i): quarantine.append(batch.quarantine[i])
                        }
                    }
                    try clearStaging()
                    summary.add(try apply(records, quarantine))
                },
                isolate: { unit, error in
                    switch unit {
                    case .record(let i):
                        try store(Self.isolatedUnit(of: batch.records[i], failure: error), into: &summary)
                    case .quarantine(let i):
                        try store(Self.reduced(batch.quarantine[i], failure: error), into: &summary)
                    }
                })
            summary.isolationAttempts = outcome.attempts
            beforeCommit()
            return summary
        }
    }

    /// Stores an isolated unit in its own savepoint; if even that is refused, without its
    /// raw bytes and parsed record (position, reason and the failure only).
    private func store(_ unit: QuarantineUnit, into summary: inout SinkCommitSummary) throws {
        var stored = unit
        do {
            try db.transaction { _ in
                try clearStaging()
                summary.add(try apply([], [unit]))
            }
        } catch where FailureClass.of(error) == .deterministic {
            stored.raw = []
            stored.record = nil
            stored.detail = "stored without raw bytes: " + Self.failureSummary(error)
            let bare = stored
            try db.transaction { _ in
                try clearStaging()
                summary.add(try apply([], [bare]))
            }
        }
        summary.isolated.append(stored)
    }

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
