import Foundation
import Hummingbird
import OpenAPIHummingbird
import ServiceLifecycle

/// The one HTTP server of hub-api: the OpenAPI operations under `/v1/` (behind ``APIGate``),
/// the document at `/openapi.yaml`, the console under `/console/`, and the probes and metrics.
enum HTTPApplication {
    static func make(service: DataService) async throws -> some Service {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: APIGate(service: service))
        try DataServicesAPI(service: service).registerHandlers(on: router)

        router.get("/healthz") { _, _ in Response.text("ok\n") }
        router.get("/readyz") { _, _ in
            let ready = (try? await service.asService { db in try db.query("SELECT 1").rowCount == 1 }) ?? false
            service.health.set(ready)
            return Response.text(ready ? "ready\n" : "not ready database=down\n", status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: service.registry.emitToBuffer())))
        }
        let document = try openAPIDocument()
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
        let console = try await Console(service: service)
        console.register(on: router)

        let address: BindAddress = .hostname(service.settings.listenHost, port: service.settings.worker.httpPort)
        let logger = service.logger
        return Application(router: router, configuration: .init(address: address, serverName: "hub-api"),
                           onServerRunning: { channel in
                               logger.info("hub-api listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")",
                                                                            "port": "\(channel.localAddress?.port ?? 0)"])
                           }, logger: logger)
    }

    static func openAPIDocument() throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"), let data = try? Data(contentsOf: url) else {
            throw APIError(status: 500, code: "internal", message: "openapi.yaml is missing from hub-api's resources")
        }
        return Array(data)
    }
}

extension Response {
    static func text(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }
}
