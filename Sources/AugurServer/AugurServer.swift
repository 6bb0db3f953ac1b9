import AugurEngine
import AugurSpeculative
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Settings of `augur serve` that are not models.
public struct ServerOptions: Sendable {
    /// Address to bind (`--host`); loopback by default.
    public var host = "127.0.0.1"
    /// Port (`--port`); 0 picks a free one (tests).
    public var port = 8080
    /// Generation slots (`--max-concurrent`), each with its own KV cache of `contextSize` positions.
    public var slots = 1
    /// KV positions per slot (`--ctx`).
    public var contextSize = 4096
    /// Requests that may wait for a slot (`--queue`; nil: 4 per slot). One more gets 429.
    public var queueLimit: Int?
    /// Start-up speculation settings; requests override them with their `speculative` object.
    public var speculation = SpeculationSettings()
    /// Largest accepted request body, bytes.
    public var bodyLimit = 8 << 20

    public init() {}

    /// The queue bound in force.
    public var effectiveQueueLimit: Int { queueLimit ?? 4 * max(1, slots) }
}

/// Whether the models are loaded.
enum ServerPhase {
    case loading
    case ready(InferenceEngine)
    case failed(String)
}

/// The OpenAI-compatible HTTP server (`augur serve`), on Hummingbird 2.
///
/// Endpoints: `GET /health`, `GET /v1/models`, `POST /v1/chat/completions`, `POST /v1/completions`
/// (both with `stream: true` as server-sent events), `GET /metrics` (Prometheus text). See
/// `Routes.swift` for the handlers and `InferenceEngine` for slots, queueing and cancellation.
///
/// ```swift
/// let server = AugurServer(options: options)
/// try await server.run { try loadModels() }   // listens at once; /health says "loading" until load returns
/// ```
public final class AugurServer: @unchecked Sendable {
    public let options: ServerOptions
    public let metrics = ServerMetrics()
    private let lock = NSLock()
    private var _phase = ServerPhase.loading
    private var runTask: Task<Void, Error>?
    private var serviceGroup: ServiceGroup?
    let logger = Logger(label: "augur.server")

    public init(options: ServerOptions) {
        self.options = options
    }

    var phase: ServerPhase { lock.withLock { _phase } }

    /// The engine once models are installed.
    public var engine: InferenceEngine? {
        if case .ready(let e) = phase { return e }
        return nil
    }

    /// Makes the server ready with `models`: allocates the slots' KV caches.
    public func install(_ models: ServedModels) {
        let engine = InferenceEngine(models: models, slots: options.slots, contextSize: options.contextSize,
                                     queueLimit: options.effectiveQueueLimit, speculation: options.speculation, metrics: metrics)
        lock.withLock { _phase = .ready(engine) }
    }

    /// Listens and serves until cancelled, `stop()`, or a signal when `handleSignals`: SIGTERM shuts
    /// down gracefully (in-flight requests finish, for at most 30 s), SIGINT at once (open streams end
    /// and their generations are cancelled).
    ///
    /// - Parameters:
    ///   - load: when given, runs on its own thread after the server starts listening (so `/health`
    ///     answers "loading" meanwhile); its models are then installed. A load error stops the server
    ///     and is rethrown.
    ///   - onListening: called with the bound port.
    /// - Throws: bind errors, the load's error.
    public func run(handleSignals: Bool = true, load: (@Sendable () throws -> ServedModels)? = nil,
                    onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let router = Router()
        addRoutes(to: router)
        var log = Logger(label: "augur.http")
        log.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "augur"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: log)
        var config = ServiceGroupConfiguration(services: [app], logger: log)
        if handleSignals {
            config.gracefulShutdownSignals = [.sigterm]
            config.cancellationSignals = [.sigint]
        }
        config.maximumGracefulShutdownDuration = .seconds(30)
        let services = ServiceGroup(configuration: config)
        lock.withLock { serviceGroup = services }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            if let load {
                group.addTask { [self] in
                    do {
                        let models = try await Self.onThread(load)
                        install(models)
                        logger.info("ready", metadata: ["model": "\(models.modelID)", "draft": "\(models.defaultDraft)"])
                    } catch {
                        lock.withLock { _phase = .failed("\(error)") }
                        await services.triggerGracefulShutdown()
                        throw error
                    }
                }
            }
            // A load error ends the server (above) and is rethrown; a successful load just returns.
            do {
                try await group.waitForAll()
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Starts `run` in the background (no signal handling) and returns the bound port; `stop()` ends it.
    /// For tests and embedding. Install models first (or pass `load`).
    public func start(load: (@Sendable () throws -> ServedModels)? = nil) async throws -> Int {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task { try await run(handleSignals: false, load: load, onListening: { continuation.yield($0); continuation.finish() }) }
        lock.withLock { runTask = task }
        for await port in ports { return port }
        _ = try await task.value
        throw APIError.internalError("the server stopped before listening")
    }

    /// Shuts a server started with `start` down gracefully and waits for it to finish.
    public func stop() async {
        let (task, services) = lock.withLock { (runTask, serviceGroup) }
        await services?.triggerGracefulShutdown()
        _ = try? await task?.value
    }

    /// Runs blocking `body` on a new thread (model loading must not block the cooperative pool).
    static func onThread<T>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            let t = Thread { c.resume(with: Result { try body() }) }
            t.stackSize = 8 << 20
            t.start()
        }
    }
}
