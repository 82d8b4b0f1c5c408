import Foundation
import HubStore
import Synchronization

/// What one API request carries from the gate to the handlers and back to the audit: the
/// authenticated client, and what the handler reports (rows returned, an export id).
final class RequestScope: Sendable {
    @TaskLocal static var current: RequestScope?

    let client: APIClient
    private let reported = Mutex<(rows: Int, exportId: String?)>((0, nil))

    init(client: APIClient) { self.client = client }

    var rowsReturned: Int { reported.withLock { $0.rows } }
    var exportId: String? { reported.withLock { $0.exportId } }

    func returned(rows: Int) { reported.withLock { $0.rows = rows } }

    /// A new export id for a CSV response, remembered for the audit row.
    func newExportId() -> String {
        let id = "exp-" + UUID().uuidString.lowercased()
        reported.withLock { $0.exportId = id }
        return id
    }

    /// The scope of the current request; the gate always sets one before a handler runs.
    static func required() throws -> RequestScope {
        guard let scope = current else { throw APIError.unauthorized("no client for this request") }
        return scope
    }
}

/// An answer other than 200, with a machine-readable code and a sentence for people.
struct APIError: Error, Sendable, CustomStringConvertible {
    var status: Int
    var code: String
    var message: String
    var retryAfter: Int? = nil

    var description: String { "\(status) \(code): \(message)" }

    static func badRequest(_ message: String) -> APIError { APIError(status: 400, code: "bad_parameter", message: message) }
    static func unauthorized(_ message: String) -> APIError { APIError(status: 401, code: "unauthorized", message: message) }
    static func forbidden(_ message: String) -> APIError { APIError(status: 403, code: "forbidden", message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: 404, code: "not_found", message: message) }

    var json: String {
        "{\"error\":{\"code\":\(Self.quote(code)),\"message\":\(Self.quote(message))}}"
    }

    static func quote(_ s: String) -> String {
        let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
