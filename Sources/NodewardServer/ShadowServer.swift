import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs the sidecar: the HTTP application, the recorder and the SIGHUP reloader in one service group.
/// SIGTERM/SIGINT shut it down gracefully: the application stops accepting and finishes in-flight
/// requests first, then the recorder drains the queue into the store (services stop in reverse order).
public enum ShadowServer {
    public static func application(_ sidecar: ShadowSidecar, services: [any Service] = [],
                                   onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let configuration = sidecar.configuration
        return Application(
            router: SidecarRoutes.router(sidecar),
            server: .http1(configuration: .init(idleTimeout: TimeAmount.nanoseconds(configuration.idleTimeout.nanoseconds))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "nodeward-shadow",
                                 availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: sidecar.logger)
    }

    /// Serves until SIGTERM or SIGINT. `sink` nil: decide only, record nothing (the queue still bounds).
    public static func run(_ sidecar: ShadowSidecar, sink: (any DecisionSink)?,
                           onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await serviceGroup(sidecar, sink: sink, onServerRunning: onServerRunning).run()
    }

    /// The services `run` runs: the recorder (when there is a sink), the SIGHUP reloader, the HTTP
    /// application last (so it stops first). `triggerGracefulShutdown()` stops it as SIGTERM does.
    public static func serviceGroup(_ sidecar: ShadowSidecar, sink: (any DecisionSink)?,
                                    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> ServiceGroup {
        let app = application(sidecar, onServerRunning: onServerRunning)
        var services: [any Service] = [ReloadOnHangup(sidecar: sidecar)]
        if sink == nil { sidecar.queue.close() }  // sync requests then get 503 instead of waiting forever
        if let sink {
            services.insert(RecorderService(queue: sidecar.queue, sink: sink, batchSize: sidecar.configuration.recordBatchSize,
                                            interval: sidecar.configuration.flushInterval, logger: sidecar.logger), at: 0)
        }
        services.append(app)
        return ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: sidecar.logger))
    }
}

/// SIGHUP reloads sandboxes and policies, as `POST /v1/reload` does.
struct ReloadOnHangup: Service {
    let sidecar: ShadowSidecar

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals { sidecar.reload() }
        }
    }
}
