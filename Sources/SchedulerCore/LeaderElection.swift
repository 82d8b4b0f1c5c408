import Postgres

/// Leadership by a PostgreSQL session advisory lock held on a dedicated connection: exactly
/// one scheduler holds it; when the leader's process dies its session ends and the lock is
/// free for the next follower's poll.
public final class LeaderElection: @unchecked Sendable {
    // Used only from the scheduler's thread.
    private let conninfo: String
    private let key: String
    private var connection: PGConnection?
    public private(set) var isLeader = false

    /// - Parameter schema: one leader per hub schema.
    public init(conninfo: String, schema: String) {
        self.conninfo = conninfo
        self.key = "eduhub.scheduler.\(schema)"
    }

    /// Tries to take the lock (when following) or checks that the session holding it is
    /// alive (when leading). Returns whether this process leads now; a lost connection
    /// means lost leadership.
    public func poll() -> Bool {
        do {
            if connection == nil { connection = try PGConnection(conninfo: conninfo) }
            guard let db = connection else { return false }
            if isLeader {
                let r = try db.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted")
                isLeader = try r.scalar(Int64.self) > 0
            } else {
                isLeader = try db.query("SELECT pg_try_advisory_lock(hashtext($1))", bind: key).scalar(Bool.self)
            }
        } catch {
            connection = nil
            isLeader = false
        }
        return isLeader
    }

    /// Gives the lock up (on a graceful stop), so a follower takes over at its next poll.
    public func resign() {
        connection = nil
        isLeader = false
    }
}
