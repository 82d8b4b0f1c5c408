import DataServices
import Foundation
import HubStore
import Hummingbird
import Metrics

/// In front of every `/v1/` request: the bearer token names the client (401 otherwise), the
/// client's rate limit applies (429 with Retry-After), the handler runs with the client in
/// ``RequestScope``, errors become JSON answers with a message, an over-size body is refused,
/// and exactly one audit row records what happened.
struct APIGate: RouterMiddleware {
    typealias Context = APIRequestContext
    let service: DataService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1/") else { return try await next(request, context) }
        let started = ContinuousClock.now
        var client: APIClient?
        var scope: RequestScope?
        var response: Response
        do {
            let found: APIClient
            if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
                let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
                guard let client = try await service.authenticate(token: token) else {
                    throw APIError.unauthorized("the token is unknown, revoked or expired")
                }
                found = client
            } else if request.method == .get, let session = service.sessions.find(request.cookies[Console.sessionCookie]?.value),
                      try await service.asService({ [schema = service.schema] db in try APIClients.isActive(id: session.client.id, db: db, schema: schema) }) {
                // A console user following a link (reports, CSV downloads); GET only, so no CSRF.
                found = session.client
            } else {
                throw APIError.unauthorized("send the client token as Authorization: Bearer <token> (tokens come from hubctl api client create)")
            }
            client = found
            if let wait = service.limiter.acquire(client: found.id) {
                throw APIError(status: 429, code: "rate_limited",
                               message: "more than \(service.settings.rateLimitPerMinute) requests a minute; retry after \(wait) s",
                               retryAfter: wait)
            }
            let s = RequestScope(client: found)
            scope = s
            response = try await RequestScope.$current.withValue(s) { try await next(request, context) }
            if let length = response.body.contentLength, length > service.settings.maxResponseBytes {
                throw APIError(status: 400, code: "response_too_large",
                               message: "the response would be \(length) bytes, over the cap of \(service.settings.maxResponseBytes); ask for a smaller limit")
            }
            if let exportId = s.exportId {
                response.headers[.init("X-Export-Id")!] = exportId
            }
        } catch {
            let e = Self.apiError(error)
            if e.status >= 500 {
                service.logger.error("request failed", metadata: ["endpoint": "\(request.uri.path)", "error": "\(error)"])
            }
            response = Self.errorResponse(e)
        }
        let status = response.status.code
        let endpoint = context.endpointPath ?? request.uri.path
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        Counter(label: "hub_api_requests_total", dimensions: [("endpoint", endpoint), ("status", String(status))]).increment()
        Metrics.Timer(label: "hub_api_request_duration_seconds", dimensions: [("endpoint", endpoint)]).recordNanoseconds(Int64(seconds * 1e9))
        if status == 429 { Counter(label: "hub_api_rate_limited_total").increment() }
        await service.audit(APIAudit.Entry(
            clientId: client?.id, clientName: client?.name, level: client?.level.rawValue, region: client?.region,
            method: request.method.rawValue, endpoint: request.uri.path, parameters: Self.parametersJSON(request),
            rowsReturned: status == 200 ? (scope?.rowsReturned ?? 0) : 0, status: status, durationMs: seconds * 1000,
            exportId: status == 200 ? scope?.exportId : nil, remoteAddress: context.remoteAddress))
        return response
    }

    /// Handler errors arrive wrapped by the OpenAPI runtime; statement timeouts are 504.
    static func apiError(_ error: any Error) -> APIError {
        var current: any Error = error
        for _ in 0..<4 {
            if let e = current as? APIError { return e }
            if let e = current as? FilterError { return .badRequest(e.description) }
            if let e = current as? AccessError { return .forbidden(e.description) }
            let mirror = Mirror(reflecting: current)
            if let underlying = mirror.children.first(where: { $0.label == "underlyingError" })?.value as? any Error {
                current = underlying
                continue
            }
            break
        }
        let text = "\(current)"
        if text.contains("57014") || text.contains("statement timeout") {
            return APIError(status: 504, code: "timeout", message: "the request took longer than the configured timeout")
        }
        return APIError(status: 500, code: "internal", message: "the request failed; the error is in hub-api's log")
    }

    static func errorResponse(_ e: APIError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retry = e.retryAfter { headers[.retryAfter] = String(retry) }
        if e.status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: .init(code: e.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: e.json)))
    }

    /// The query parameters as a sorted JSON object; long values are cut.
    static func parametersJSON(_ request: Request) -> String {
        var params: [String: String] = [:]
        for (k, v) in request.uri.queryParameters {
            let value = String(v)
            params[String(k)] = value.count > 200 ? String(value.prefix(200)) + "…" : value
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(params)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
