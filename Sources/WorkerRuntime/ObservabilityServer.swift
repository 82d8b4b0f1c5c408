import Foundation
import Prometheus
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 endpoint for probes and scraping: `GET /healthz` (the poll loop is making
/// progress: 503 once it has been stuck longer than the stall timeout), `GET /readyz`
/// (dependencies connected, work assigned) and `GET /metrics` (Prometheus text format: the
/// registry's metrics, then the process metrics and `hub_build_info`). One request per connection, served on its own thread, so the
/// workers need no HTTP framework.
public final class ObservabilityServer: Sendable {
    public let port: Int
    private let socketFD: Int32
    private let health: HealthState
    private let registry: PrometheusCollectorRegistry
    private let stage: String

    /// Binds `0.0.0.0:port` (port 0 picks a free one) and starts serving.
    public init(port: Int, health: HealthState, registry: PrometheusCollectorRegistry, stage: String) throws(ConfigurationError) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConfigurationError("cannot create the HTTP socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr = in_addr(s_addr: INADDR_ANY)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ConfigurationError("cannot listen on HTTP port \(port): \(String(cString: strerror(errno)))")
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.socketFD = fd
        self.health = health
        self.registry = registry
        self.stage = stage
        let thread = Thread { [self] in self.acceptLoop() }
        thread.name = "http"
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let client = accept(socketFD, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            handle(client)
            close(client)
        }
    }

    private func handle(_ fd: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return }
        let request = String(decoding: buffer[0..<n], as: UTF8.self)
        let firstLine = request.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = firstLine.split(separator: " ")
        let path = parts.count > 1 ? String(parts[1].split(separator: "?").first ?? "") : ""
        let (status, type, body): (String, String, [UInt8])
        switch (parts.first.map(String.init), path) {
        case ("GET", "/healthz"):
            let stalled = health.sinceProgress.components.seconds
            (status, type, body) = health.isLive
                ? ("200 OK", "text/plain", Array("ok\n".utf8))
                : ("503 Service Unavailable", "text/plain", Array("stalled: the poll loop has made no progress for \(stalled) s\n".utf8))
        case ("GET", "/readyz"):
            let ready = health.isReady
            (status, type, body) = (ready ? "200 OK" : "503 Service Unavailable", "text/plain",
                                    Array("\(ready ? "ready" : "not ready") \(health.summary)\n".utf8))
        case ("GET", "/metrics"):
            (status, type, body) = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", registry.emitToBuffer() + Array(ProcessMetrics.exposition(stage: stage).utf8))
        default:
            (status, type, body) = ("404 Not Found", "text/plain", Array("not found\n".utf8))
        }
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        writeAll(fd, Array(head.utf8) + body)
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            sent += n
        }
    }
}
