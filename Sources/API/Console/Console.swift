import DataServices
import Foundation
import HubStore
import Hummingbird
import Mustache

/// The console for stewards and operators, served by hub-api under `/console/`: pages
/// rendered on the server from the Mustache templates in `Console/Templates` (no JavaScript),
/// Chinese first, read under the logged-in client's level role like the API. Log-in takes a
/// client token and gives an HttpOnly, SameSite=Strict session cookie; every form that
/// changes something carries the session's CSRF token. Every page view is audited.
struct Console: Sendable {
    static let sessionCookie = "hub_session"
    static let loginCSRFCookie = "hub_login_csrf"
    static let languageCookie = "hub_lang"

    let service: DataService
    let sessions: ConsoleSessions
    let library: MustacheLibrary

    init(service: DataService) async throws {
        self.service = service
        self.sessions = service.sessions
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw APIError(status: 500, code: "internal", message: "the console templates are missing from hub-api's resources")
        }
        library = try await MustacheLibrary(directory: directory)
    }

    func register(on router: Router<APIRequestContext>) {
        router.get("/") { _, _ in Response.redirect(to: "/console/") }
        router.get("/console/login") { request, _ in self.loginPage(request, failed: false) }
        router.post("/console/login") { request, context in try await self.login(request, context) }
        router.post("/console/logout") { request, _ in try await self.logout(request) }
        let pages = ConsolePages(service: service)
        page(router, "/console/", "overview") { s, q, lang in try await pages.overview(s.client, region: q["region"], lang: lang) }
        page(router, "/console/quality", "quality") { s, q, lang in try await pages.quality(s.client, region: q["region"], lang: lang) }
        page(router, "/console/dags", "dags") { s, q, lang in try await pages.dags(s.client, message: q["message"], lang: lang) }
        page(router, "/console/dags/run", "dag_run") { s, q, lang in try await pages.dagRun(s.client, id: q["id"], lang: lang) }
        page(router, "/console/quarantine", "quarantine") { s, q, lang in try await pages.quarantine(s.client, reason: q["reason"], lang: lang) }
        page(router, "/console/quarantine/raw", "quarantine_raw") { s, q, lang in try await pages.quarantineRaw(s.client, query: q, lang: lang) }
        page(router, "/console/freshness", "freshness") { s, _, lang in try await pages.freshness(s.client, lang: lang) }
        router.post("/console/dags/trigger") { request, context in
            try await self.action(request, context) { s, form in try await pages.trigger(s.client, dag: form["dag"]) }
        }
        router.post("/console/dags/rerun") { request, context in
            try await self.action(request, context) { s, form in try await pages.rerun(s.client, run: form["run"]) }
        }
    }

    /// A GET page: the session (or the log-in page), the language, the page's data, the
    /// layout's shared values, the audit row.
    private func page(_ router: Router<APIRequestContext>, _ path: String, _ template: String,
                      _ build: @escaping @Sendable (ConsoleSessions.Session, [String: String], ConsoleLanguage) async throws -> ConsolePage) {
        router.get(RouterPath(stringLiteral: path)) { request, context in
            guard let session = await self.session(request) else { return Response.redirect(to: "/console/login") }
            let query = Self.query(request)
            let lang = Self.language(request)
            let started = ContinuousClock.now
            var status = 200
            var rows = 0
            var response: Response
            do {
                let page = try await build(session, query, lang)
                rows = page.rows
                response = self.render(template, page.values, session: session, lang: lang, active: template)
            } catch {
                let e = APIGate.apiError(error)
                status = e.status
                response = self.render("error", ["message": e.message, "status": e.status], session: session, lang: lang, active: template,
                                       status: .init(code: e.status))
            }
            if let l = query["lang"], ConsoleLanguage(rawValue: l) != nil {
                response.setCookie(Cookie(name: Self.languageCookie, value: l, path: "/console", httpOnly: true, sameSite: .strict))
            }
            await self.audit(request, context, session.client, status: status, rows: rows, started: started)
            return response
        }
    }

    /// A POST that changes something: session and CSRF token required, then back to the DAG page.
    private func action(_ request: Request, _ context: APIRequestContext,
                        _ body: @Sendable (ConsoleSessions.Session, [String: String]) async throws -> String) async throws -> Response {
        guard let session = await self.session(request) else { return Response.redirect(to: "/console/login") }
        let form = try await Self.form(request)
        let started = ContinuousClock.now
        guard let csrf = form["csrf"], ConsoleSessions.constantTimeEqual(csrf, session.csrf) else {
            await audit(request, context, session.client, status: 403, rows: 0, started: started)
            return render("error", ["message": Self.language(request).text["csrf_failed"] ?? "", "status": 403],
                          session: session, lang: Self.language(request), active: "dags", status: 403)
        }
        do {
            let message = try await body(session, form)
            await audit(request, context, session.client, status: 303, rows: 1, started: started)
            return Response.redirect(to: "/console/dags?message=" + (message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
                                     type: .normal)
        } catch {
            let e = APIGate.apiError(error)
            await audit(request, context, session.client, status: e.status, rows: 0, started: started)
            return render("error", ["message": e.message, "status": e.status], session: session, lang: Self.language(request),
                          active: "dags", status: .init(code: e.status))
        }
    }

    private func loginPage(_ request: Request, failed: Bool) -> Response {
        let lang = Self.language(request)
        let csrf = ConsoleSessions.randomToken()
        var values: [String: Any] = ["t": lang.text, "lang": lang.rawValue, "csrf": csrf]
        if failed { values["failed"] = true }
        let html = library.render(values, withTemplate: "login") ?? ""
        var response = Self.html(html, status: failed ? .unauthorized : .ok)
        response.setCookie(Cookie(name: Self.loginCSRFCookie, value: csrf, path: "/console", httpOnly: true, sameSite: .strict))
        return response
    }

    private func login(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let form = try await Self.form(request)
        let started = ContinuousClock.now
        guard let csrf = form["csrf"], let cookie = request.cookies[Self.loginCSRFCookie]?.value,
              ConsoleSessions.constantTimeEqual(csrf, cookie) else {
            return loginPage(request, failed: true)
        }
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let client = try await service.authenticate(token: token) else {
            await audit(request, context, nil, status: 401, rows: 0, started: started)
            return loginPage(request, failed: true)
        }
        let (id, _) = sessions.create(for: client)
        await audit(request, context, client, status: 303, rows: 0, started: started)
        var response = Response.redirect(to: "/console/", type: .normal)
        response.setCookie(Cookie(name: Self.sessionCookie, value: id, maxAge: Int(service.settings.sessionLifetime.components.seconds),
                                  path: "/", httpOnly: true, sameSite: .strict))
        return response
    }

    private func logout(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        if let session = await self.session(request), let csrf = form["csrf"], ConsoleSessions.constantTimeEqual(csrf, session.csrf) {
            sessions.end(request.cookies[Self.sessionCookie]?.value)
        }
        var response = Response.redirect(to: "/console/login", type: .normal)
        response.setCookie(Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
        return response
    }

    /// The session of the request's cookie, while its client is still active.
    func session(_ request: Request) async -> ConsoleSessions.Session? {
        let id = request.cookies[Self.sessionCookie]?.value
        guard let session = sessions.find(id) else { return nil }
        let schema = service.schema
        let active = (try? await service.asService { db in try APIClients.isActive(id: session.client.id, db: db, schema: schema) }) ?? false
        if !active { sessions.end(id) }
        return active ? session : nil
    }

    private func render(_ template: String, _ values: [String: Any], session: ConsoleSessions.Session, lang: ConsoleLanguage,
                        active: String, status: HTTPResponse.Status = .ok) -> Response {
        var all = values
        let c = session.client
        all["t"] = lang.text
        all["lang"] = lang.rawValue
        all["csrf"] = session.csrf
        all["operator"] = c.isOperator
        all["client_name"] = c.name
        all["client_level"] = lang.text[c.level.rawValue] ?? c.level.rawValue
        all["client_region"] = c.region ?? ""
        all["active_" + active] = true
        all["k"] = service.k
        all["suppression_note"] = c.isOperator ? (lang.text["exact_note"] ?? "")
            : (lang.text["suppression_note"] ?? "").replacingOccurrences(of: "%k%", with: String(service.k))
        let html = library.render(all, withTemplate: template) ?? "<!doctype html><p>template \(template) missing</p>"
        return Self.html(html, status: status)
    }

    private func audit(_ request: Request, _ context: APIRequestContext, _ client: APIClient?, status: Int, rows: Int,
                       started: ContinuousClock.Instant) async {
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        await service.audit(APIAudit.Entry(
            clientId: client?.id, clientName: client?.name, level: client?.level.rawValue, region: client?.region,
            method: request.method.rawValue, endpoint: request.uri.path, parameters: APIGate.parametersJSON(request),
            rowsReturned: rows, status: status, durationMs: ms, exportId: nil, remoteAddress: context.remoteAddress))
    }

    static func html(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                           .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"],
                 body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    static func query(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { out[String(k)] = String(v) }
        return out
    }

    static func language(_ request: Request) -> ConsoleLanguage {
        if let l = request.uri.queryParameters["lang"].flatMap({ ConsoleLanguage(rawValue: String($0)) }) { return l }
        return request.cookies[languageCookie].flatMap { ConsoleLanguage(rawValue: $0.value) } ?? .zh
    }

    /// An `application/x-www-form-urlencoded` body, at most 16 KiB.
    static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer = try await request.collectBody(upTo: 16 * 1024)
        let text = String(buffer: buffer)
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            out[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }
}

/// What a page handler gives the template, and how many rows it showed (for the audit).
struct ConsolePage: Sendable {
    var values: [String: any Sendable]
    var rows: Int
}
