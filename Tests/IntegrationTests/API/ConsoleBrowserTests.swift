import Foundation
import Testing
import TestSupport

/// The console in real headless Chromium: each page as each kind of client, asserting on the
/// rendered DOM (figures, Chinese labels, drill-down links), one screenshot per page kept in
/// `$HUB_TEST_ARTIFACTS` (default: a directory under the system's temporary directory).
@Suite("Console in Chromium", .serialized)
struct ConsoleBrowserTests {
    typealias F = APIFixture

    static let artifacts: String = {
        let dir = ProcessInfo.processInfo.environment["HUB_TEST_ARTIFACTS"] ?? (NSTemporaryDirectory() + "eduhub-console-screenshots")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// Logs in through the form with the client's token; the session cookie is HttpOnly and SameSite=Strict.
    func logIn(_ browser: Chromium, _ f: F, _ client: String) throws {
        let base = "http://127.0.0.1:\(f.port)"
        try browser.open(base + "/console/login")
        #expect(browser.dom.contains("访问令牌"))
        _ = try browser.evaluate("document.getElementById('token').value = \(Chromium.quote(f.token(client))); document.getElementById('login-form').submit(); true")
        try eventually(timeout: .seconds(30), poll: .milliseconds(100), "logged in as \(client)") {
            try browser.evaluate("document.readyState == 'complete' && location.pathname == '/console/' && !!document.getElementById('client-name')") as? Bool == true
        }
        let session = try browser.cookies().first { $0["name"] as? String == "hub_session" }
        #expect(session?["httpOnly"] as? Bool == true)
        #expect(session?["sameSite"] as? String == "Strict")
    }

    func shot(_ browser: Chromium, _ client: String, _ page: String) throws {
        try browser.screenshot(to: "\(Self.artifacts)/\(client)-\(page).png")
    }

    @Test func operatorSeesExactFiguresDrillsDownAndTriggersARun() throws {
        let f = try F.get()
        let browser = try Chromium()
        defer { browser.stop() }
        let base = "http://127.0.0.1:\(f.port)"
        try logIn(browser, f, "ops")
        try shot(browser, "operator", "overview")
        #expect(try browser.text("#total-students") == String(F.expectedEnrollment.filter { $0.key.hasPrefix("province|") }.values.reduce(0, +)))
        #expect(browser.dom.contains("在籍学生"))
        #expect(browser.dom.contains("href=\"/console/?region=330100\""))
        // city → county → school
        try browser.open(base + "/console/?region=330100")
        #expect(try browser.text("#total-teachers") == String(F.expectedTeachers["city|330100"] ?? -1))
        _ = try browser.evaluate("document.querySelector('tr[data-region=\"330106\"] a.drill').click(); true")
        try browser.waitForLoad(base + "/console/?region=330106")
        try shot(browser, "operator", "overview-county")
        #expect(try browser.text("tr[data-region=\"\(F.a)\"] td[data-field=students]") == String(F.enrolled[F.a]?.values.reduce(0, +) ?? 0))
        #expect(try browser.text("tr[data-region=\"\(F.b)\"] td[data-field=teachers]") == String(F.activeTeachers[F.b] ?? -1))
        #expect(browser.dom.contains("href=\"/console/?region=\(F.a)\""))
        try browser.open(base + "/console/?region=\(F.a)")
        #expect(try browser.text("tr[data-grade=\"12\"] td:nth-child(2)") == "2")
        #expect(browser.dom.contains("二年级"))

        for page in ["quality", "freshness", "quarantine", "dags"] {
            try browser.open(base + "/console/\(page)")
            try shot(browser, "operator", page)
        }
        #expect(browser.dom.contains("任务调度"))
        let dagButtons = try browser.evaluate("document.querySelectorAll('button.trigger').length") as? Int ?? 0
        if dagButtons > 0 {
            _ = try browser.evaluate("document.querySelector('button.trigger').click(); true")
            try browser.waitForLoad(base + "/console/dags?message=")
            #expect(try browser.text("#message").contains("queued run #"))
        }
        try browser.open(base + "/console/freshness")
        #expect(browser.dom.contains("data-stage=\"sink\""))
        #expect(browser.dom.contains("数据时效"))
        try browser.open(base + "/console/quarantine")
        #expect(browser.dom.contains("隔离区"))
        // A state-changing form without the CSRF token is refused.
        let session = try browser.cookies().first { $0["name"] as? String == "hub_session" }?["value"] as? String ?? ""
        let forged = try HTTP.request("POST", port: f.port, path: "/console/dags/trigger",
                                      headers: ["Cookie": "hub_session=\(session)", "Content-Type": "application/x-www-form-urlencoded"],
                                      body: Array("dag=nightly".utf8))
        #expect(forged.status == 403)
        try browser.open(base + "/console/?lang=en")
        #expect(browser.dom.contains("Enrolled students"))
        try shot(browser, "operator", "overview-en")
    }

    /// City, county and school stewards in one browser (one start on a loaded machine is seconds).
    @Test func stewardsSeeTheirRegionSuppressedAndNoQuarantine() throws {
        let f = try F.get()
        let browser = try Chromium()
        defer { browser.stop() }
        for (client, region) in [("hz", "330100"), ("xihu", "330106"), ("school-a", F.a)] {
            try browser.call("Network.clearBrowserCookies")
            try steward(browser, f, client: client, region: region)
        }
    }

    func steward(_ browser: Chromium, _ f: F, client: String, region: String) throws {
        let base = "http://127.0.0.1:\(f.port)"
        try logIn(browser, f, client)
        try shot(browser, client, "overview")
        #expect(try browser.text("#region-title").contains(region))
        if region == "330106" { #expect(try browser.text("#region-title").contains("西湖区")) }
        #expect(browser.dom.contains("在籍学生"))
        #expect(browser.dom.contains("小于 k 的计数已按小单元格抑制规则隐藏（k = 5）"))
        // Every figure shown is exact or suppressed, never a small count.
        let cells = try browser.evaluate("Array.from(document.querySelectorAll('#grade-gender td.num, #children td[data-field=students], #children td[data-field=rate]')).map(e => e.textContent.trim() + '|' + e.classList.contains('suppressed')).join(',')") as? String ?? ""
        for c in cells.split(separator: ",") {
            let parts = c.split(separator: "|")
            if parts.last == "true" { #expect(parts.first == "—") } else if let v = Int(parts.first ?? "") { #expect(v == 0 || v >= 5, "\(c)") }
        }
        if client == "school-a" {
            #expect(try browser.text("tr[data-grade=\"12\"] td:nth-child(2)") == "—")
        }
        // Another region is not visible.
        try browser.open(base + "/console/?region=330212")
        #expect(browser.dom.contains("id=\"no-data\""))
        for page in ["quality", "dags", "freshness"] {
            try browser.open(base + "/console/\(page)")
            try shot(browser, client, page)
        }
        #expect(try browser.evaluate("document.querySelectorAll('button.trigger').length") as? Int == 0)
        try browser.open(base + "/console/quarantine")
        #expect(browser.dom.contains("id=\"error-message\""))
        #expect(!browser.dom.contains("nav-quarantine"))
        try shot(browser, client, "quarantine-refused")
    }
}
