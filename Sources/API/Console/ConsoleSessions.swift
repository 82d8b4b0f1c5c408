import Foundation
import HubStore
import Synchronization

/// Console sessions, in memory: a random id (the HttpOnly, SameSite=Strict cookie) → the
/// client who logged in with a token, and the CSRF token every state-changing form carries.
/// A restart logs everyone out; one hub-api instance serves one session (sticky sessions
/// behind a load balancer).
final class ConsoleSessions: Sendable {
    struct Session: Sendable {
        var client: APIClient
        var csrf: String
        var expires: ContinuousClock.Instant
    }

    private let sessions = Mutex<[String: Session]>([:])
    let lifetime: Duration

    init(lifetime: Duration) { self.lifetime = lifetime }

    func create(for client: APIClient) -> (id: String, session: Session) {
        let id = Self.randomToken()
        let session = Session(client: client, csrf: Self.randomToken(), expires: .now + lifetime)
        sessions.withLock { s in
            let now = ContinuousClock.now
            s = s.filter { $0.value.expires > now }
            s[id] = session
        }
        return (id, session)
    }

    func find(_ id: String?) -> Session? {
        guard let id else { return nil }
        return sessions.withLock { s in
            guard let found = s[id], found.expires > .now else { return nil }
            return found
        }
    }

    func end(_ id: String?) {
        guard let id else { return }
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// 256 random bits, base64url.
    static func randomToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        APIClients.constantTimeEqual(Array(a.utf8), Array(b.utf8))
    }
}
