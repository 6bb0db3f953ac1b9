import ArgumentParser
import AugurEngine
import AugurServer
import AugurSpeculative
import Foundation

/// `augur serve`: the OpenAI-compatible HTTP server.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over an OpenAI-compatible HTTP API (chat, completions, streaming, metrics).",
        discussion: """
            Endpoints: POST /v1/chat/completions, POST /v1/completions (stream: true for server-sent events), \
            GET /v1/models, GET /health (loading/ready), GET /metrics (Prometheus). The model (and --draft) load \
            once at start; /health answers "loading" meanwhile. --max-concurrent slots generate at once, each with \
            its own KV cache of --ctx positions, their decode steps interleaved; up to --queue more requests wait, \
            further ones get 429 with Retry-After. A request's `speculative` object overrides the speculative flags \
            (its `draft` may only be none, ngram or the draft loaded here). Requests default to temperature 1 \
            (as OpenAI), unlike `augur generate`.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var speculation: SpeculationOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "Requests generating at once (slots), each with its own KV cache of --ctx positions.")
    var maxConcurrent = 1

    @Option(help: "Requests that may wait for a slot (default: 4 per slot); more get 429.")
    var queue: Int?

    func validate() throws {
        guard (1...64).contains(maxConcurrent) else { throw ValidationError("--max-concurrent must be in 1...64, got \(maxConcurrent)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        if let q = queue, q < 0 { throw ValidationError("--queue must be ≥ 0, got \(q)") }
    }

    /// The flags as server settings.
    var serverOptions: ServerOptions {
        var o = ServerOptions()
        o.host = host
        o.port = port
        o.slots = maxConcurrent
        o.contextSize = modelOptions.ctx
        o.queueLimit = queue
        o.speculation = speculation.settings
        return o
    }

    func run() throws {
        try reportingErrors {
            CLILogging.bootstrap(verbose: modelOptions.verbose)
            let options = serverOptions
            let server = AugurServer(options: options)
            let (modelOptions, speculation) = (modelOptions, speculation)
            let load: @Sendable () throws -> ServedModels = {
                let loaded = try modelOptions.load()
                if let one = loaded.model.config.kvCacheBytes(capacity: modelOptions.ctx) {
                    let total = Double(one) * Double(options.slots)
                    guard total < Double(ProcessInfo.processInfo.physicalMemory) else {
                        throw ValidationError("\(options.slots) slots of --ctx \(modelOptions.ctx) need \(String(format: "%.1f GB", total / 1e9)) of KV cache, more than this machine has")
                    }
                }
                let (source, label) = try speculation.resolveDraft(target: loaded, targetName: modelOptions.model)
                var id = URL(fileURLWithPath: modelOptions.model).lastPathComponent
                if id.hasSuffix(".gguf") { id.removeLast(5) }
                printError("model \(id) loaded (draft: \(label)); \(options.slots) slot(s) of \(modelOptions.ctx) positions, queue \(options.effectiveQueueLimit)")
                return ServedModels(target: loaded, modelID: id, draft: source, draftName: label)
            }
            let outcome = ServeOutcome()
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                do {
                    try await server.run(load: load) { port in
                        printError("augur serve: listening on http://\(options.host):\(port) (loading the model…)")
                    }
                } catch {
                    outcome.error = error
                }
                done.signal()
            }
            done.wait()
            if let e = outcome.error { throw e }
        }
    }
}

/// Carries the server's error from its task to the blocked command thread.
private final class ServeOutcome: @unchecked Sendable {
    var error: Error?
}
