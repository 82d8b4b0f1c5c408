import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import WorkerRuntime

/// `hub-api`: the data services of the hub — an HTTP API for downstream systems (described
/// by `openapi.yaml`, served at `/openapi.yaml`) and the console for stewards and operators —
/// plus `/healthz`, `/readyz` and `/metrics`, all on one dual-stack port.
@main
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub-api",
        abstract: "Data services: the HTTP API and the web console, reading PostgreSQL under each client's level role.",
        version: "hub-api \(APISettings.version)")

    @OptionGroup var common: CommonOptions
    @OptionGroup var api: APIOptions

    func run() async throws {
        let settings: APISettings
        do {
            settings = try APISettings(common: common, api: api)
        } catch {
            WorkerMain.fail("api", error.description)
        }
        if settings.worker.checkConfig {
            do {
                _ = try DatabasePool(conninfo: settings.worker.database, size: 1)
            } catch {
                WorkerMain.fail("api", "cannot connect to the database: \(error)")
            }
            print("hub-api: configuration ok; schema \(settings.worker.schema); listening on [\(settings.listenHost)]:\(settings.worker.httpPort)")
            return
        }
        let topology = WorkerMain.loadTopology(settings.worker)
        let (logger, registry) = WorkerMain.bootstrap(settings.worker)
        let service: DataService
        do {
            service = try DataService(settings: settings, topology: topology, logger: logger, registry: registry)
        } catch {
            WorkerMain.fail("api", "cannot connect to the database: \(error)")
        }
        let app = try await HTTPApplication.make(service: service)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
