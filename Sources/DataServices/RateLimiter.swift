import Foundation
import Synchronization

/// Requests per client per minute, as a token bucket: `perMinute` tokens, refilled evenly.
/// A request that finds the bucket empty is refused with the seconds until the next token
/// (the `Retry-After` of a 429).
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public let perMinute: Int
    private let buckets = Mutex<[Int64: Bucket]>([:])

    public init(perMinute: Int) { self.perMinute = perMinute }

    /// nil when allowed; otherwise the whole seconds to wait (at least 1).
    public func acquire(client: Int64, now: ContinuousClock.Instant = .now) -> Int? {
        guard perMinute > 0 else { return nil }
        let capacity = Double(perMinute)
        let perSecond = capacity / 60
        return buckets.withLock { buckets in
            var b = buckets[client] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - b.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            b.tokens = min(capacity, b.tokens + max(0, seconds) * perSecond)
            b.updated = now
            defer { buckets[client] = b }
            if b.tokens >= 1 {
                b.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - b.tokens) / perSecond).rounded(.up)))
        }
    }
}
