import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium for the console tests, started with a DevTools port and its own profile
/// directory, stopped by PID. Driven over the DevTools protocol (a minimal WebSocket client
/// below): navigate, fill and submit forms, read the rendered DOM, take screenshots.
final class Chromium: @unchecked Sendable {
    let process: ManagedProcess
    let profile: String
    private let socket: WebSocket
    private var nextId = 0

    static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init() throws {
        guard let exe = Self.executable else { throw HarnessError("chromium is not installed; run scripts/setup.sh") }
        let port = HTTPProbe.freePort()
        profile = NSTemporaryDirectory() + "eduhub-chromium-\(UInt32.random(in: 0...UInt32.max))"
        process = try ManagedProcess(executable: exe, arguments: [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--remote-debugging-port=\(port)", "--remote-debugging-address=127.0.0.1", "--user-data-dir=\(profile)",
            "--window-size=1280,1800", "--lang=zh-CN", "about:blank"])
        var pageSocket: String?
        let browser = process
        try eventually(timeout: .seconds(60), "chromium's DevTools answers") {
            guard browser.isRunning else { throw HarnessError("chromium exited: \(browser.standardError().suffix(1500))") }
            guard let list = try? HTTP.request(port: port, path: "/json/list"), list.status == 200,
                  let targets = try? JSONSerialization.jsonObject(with: Data(list.body)) as? [[String: Any]],
                  let page = targets.first(where: { $0["type"] as? String == "page" }),
                  let url = page["webSocketDebuggerUrl"] as? String else { return false }
            pageSocket = url
            return true
        }
        guard let url = pageSocket, let start = url.range(of: "/devtools/") else {
            throw HarnessError("no page target")
        }
        socket = try WebSocket(port: port, path: String(url[start.lowerBound...]))
        _ = try call("Page.enable")
        _ = try call("Network.enable")
    }

    func stop() {
        process.terminate()
        _ = try? process.waitForExit(timeout: .seconds(10))
        if process.isRunning { process.kill() }
        try? FileManager.default.removeItem(atPath: profile)
    }

    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        nextId += 1
        let id = nextId
        let message = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        try socket.send(Array(message))
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let frame = try socket.receive()
            guard let json = try? JSONSerialization.jsonObject(with: Data(frame)) as? [String: Any], json["id"] as? Int == id else { continue }
            if let error = json["error"] { throw HarnessError("\(method): \(error)") }
            return json["result"] as? [String: Any] ?? [:]
        }
        throw HarnessError("\(method): no answer")
    }

    func evaluate(_ expression: String) throws -> Any? {
        let r = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        return (r["result"] as? [String: Any])?["value"]
    }

    /// Loads `url` and waits until the document is complete at a URL starting with `expect`.
    func open(_ url: String, expect: String? = nil) throws {
        try call("Page.navigate", ["url": url])
        try waitForLoad(expect ?? url)
    }

    func waitForLoad(_ prefix: String) throws {
        try eventually(timeout: .seconds(30), poll: .milliseconds(100), "page \(prefix) loads") {
            let state = try self.evaluate("document.readyState + ' ' + location.href") as? String ?? ""
            return state.hasPrefix("complete ") && state.dropFirst("complete ".count).hasPrefix(prefix)
        }
    }

    var dom: String { (try? evaluate("document.documentElement.outerHTML") as? String) ?? "" }

    func text(_ selector: String) throws -> String {
        let js = "(function(){var e=document.querySelector(\(Self.quote(selector)));return e?e.textContent.trim():null})()"
        guard let t = try evaluate(js) as? String else { throw HarnessError("no element \(selector)") }
        return t
    }

    func screenshot(to path: String) throws {
        let r = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true])
        guard let b64 = r["data"] as? String, let data = Data(base64Encoded: b64) else { throw HarnessError("no screenshot") }
        try data.write(to: URL(fileURLWithPath: path))
    }

    func cookies() throws -> [[String: Any]] {
        try call("Network.getCookies")["cookies"] as? [[String: Any]] ?? []
    }

    static func quote(_ s: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [s])) ?? Data("[\"\"]".utf8), as: UTF8.self).dropFirst().dropLast().description
    }
}

/// Just enough RFC 6455 for the DevTools protocol: one connection, masked text frames out,
/// (possibly fragmented) frames in.
final class WebSocket {
    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int, path: String) throws {
        fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw HarnessError("cannot connect to DevTools") }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: ZWR1aHViLWNvbnNvbGUtdGVzdA==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try writeAll(Array(request.utf8))
        while HTTP.find(pending, Array("\r\n\r\n".utf8)) == nil { try fill() }
        let end = HTTP.find(pending, Array("\r\n\r\n".utf8)) ?? 0
        let head = String(decoding: pending[..<end], as: UTF8.self)
        guard head.hasPrefix("HTTP/1.1 101") else { throw HarnessError("WebSocket upgrade refused: \(head)") }
        pending.removeFirst(end + 4)
    }

    deinit { close(fd) }

    func send(_ payload: [UInt8]) throws {
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        let mask: [UInt8] = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try writeAll(frame)
    }

    /// The next complete text or binary message.
    func receive() throws -> [UInt8] {
        var message: [UInt8] = []
        while true {
            try need(2)
            let fin = pending[0] & 0x80 != 0
            let opcode = pending[0] & 0x0F
            var length = Int(pending[1] & 0x7F)
            var offset = 2
            if length == 126 {
                try need(4)
                length = Int(pending[2]) << 8 | Int(pending[3])
                offset = 4
            } else if length == 127 {
                try need(10)
                length = (2..<10).reduce(0) { $0 << 8 | Int(pending[$1]) }
                offset = 10
            }
            try need(offset + length)
            let payload = Array(pending[offset..<(offset + length)])
            pending.removeFirst(offset + length)
            if opcode == 0x8 { throw HarnessError("DevTools closed the connection") }
            if opcode == 0x9 || opcode == 0xA { continue }
            message += payload
            if fin { return message }
        }
    }

    private func need(_ n: Int) throws { while pending.count < n { try fill() } }

    private func fill() throws {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { throw HarnessError("DevTools connection ended") }
        pending += buffer[0..<n]
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw HarnessError("DevTools write failed") }
            sent += n
        }
    }
}
