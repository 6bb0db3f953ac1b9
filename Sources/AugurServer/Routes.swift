import AugurEngine
import Foundation
import Hummingbird

/// The HTTP handlers of `AugurServer`.
extension AugurServer {
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/health") { [self] _, _ in health() }
        router.get("/v1/models") { [self] _, _ in listModels() }
        router.get("/v1/models/:id") { [self] _, context in
            guard let e = engine else { return error(.loading) }
            let id = context.parameters.get("id") ?? ""
            guard id == e.models.modelID else { return error(.modelNotFound(id)) }
            return json(modelObject(e))
        }
        router.get("/metrics") { [self] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.post("/v1/chat/completions") { [self] request, _ in await generate(request, chat: true) }
        router.post("/v1/completions") { [self] request, _ in await generate(request, chat: false) }
    }

    /// `{"status": "loading"}` (503) until the models are ready, then `{"status": "ready", "slots": N,
    /// "slots_free": F, "queue": W}`; `{"status": "failed", "error": ...}` (500) when loading failed.
    func health() -> Response {
        switch phase {
        case .loading: return json(["status": "loading"], status: .serviceUnavailable)
        case .failed(let m): return json(["status": "failed", "error": m], status: .internalServerError)
        case .ready(let e):
            let s = e.slotState
            return json(["status": "ready", "slots": s.total, "slots_free": s.free, "queue": s.waiting])
        }
    }

    /// OpenAI's model list: the one served model.
    func listModels() -> Response {
        guard let e = engine else { return error(.loading) }
        return json(["object": "list", "data": [modelObject(e)]])
    }

    /// OpenAI's model object (`created`: the file's modification time), plus the context size and default draft.
    func modelObject(_ e: InferenceEngine) -> [String: Any] {
        let date = (try? FileManager.default.attributesOfItem(atPath: e.models.target.path))?[.modificationDate] as? Date
        return ["id": e.models.modelID, "object": "model", "created": Int(date?.timeIntervalSince1970 ?? 0), "owned_by": "augur",
                "context_length": e.contextSize, "draft": e.models.defaultDraft]
    }

    /// `POST /v1/chat/completions` (`chat`) and `POST /v1/completions`.
    func generate(_ request: Request, chat: Bool) async -> Response {
        metrics.requestReceived(chat: chat)
        do {
            var request = request
            let bytes: ByteBuffer
            do {
                bytes = try await request.collectBody(upTo: options.bodyLimit)
            } catch {
                throw APIError.bodyTooLarge(limitBytes: options.bodyLimit)
            }
            let parsed = try GenerationRequest(JSONValue.parseObject(Data(bytes.readableBytesView)), chat: chat)
            guard let engine else { throw APIError.loading }
            let job = try engine.prepare(parsed)
            let handle = try await engine.start(job)
            let builder = ResponseBuilder(chat: chat, model: engine.models.modelID)
            if parsed.stream { return stream(handle, builder: builder, includeUsage: parsed.includeUsage) }
            let result = try await withTaskCancellationHandler {
                var result: GenerationResult?
                for try await case .finished(let r) in handle.events { result = r }
                return result
            } onCancel: {
                handle.cancel()
            }
            guard let result else { throw APIError.internalError("the generation ended without a result") }
            return json(builder.complete(result, draft: handle.draft, slot: handle.slot))
        } catch let e as APIError {
            return error(e)
        } catch is CancellationError {
            return error(.internalError("cancelled"))
        } catch {
            return self.error(.internalError("\(error)"))
        }
    }

    /// Server-sent events: a role chunk (chat), one chunk per text piece, a final chunk with
    /// `finish_reason` and the `augur` block, the usage chunk when asked, then `data: [DONE]`.
    /// A failure after the stream started is sent as an `{"error": ...}` event before `[DONE]`.
    /// When writing fails (the client went away) the generation is cancelled and its slot freed.
    private func stream(_ handle: InferenceEngine.Handle, builder: ResponseBuilder, includeUsage: Bool) -> Response {
        let metrics = metrics
        let body = ResponseBody { writer in
            var done = false
            defer { if !done { handle.cancel() } }
            if builder.chat { try await writer.write(ByteBuffer(bytes: sseEvent(builder.chunk(text: "", role: true)))) }
            var events = handle.events.makeAsyncIterator()
            while true {
                let event: GenerationEvent?
                do {
                    event = try await events.next()
                } catch let e as APIError {
                    metrics.requestFailed(status: e.status)
                    try await writer.write(ByteBuffer(bytes: sseEvent(e.body)))
                    break
                }
                guard let event else { break }
                switch event {
                case .text(let piece):
                    try await writer.write(ByteBuffer(bytes: sseEvent(builder.chunk(text: piece))))
                case .finished(let r):
                    let augur = ResponseBuilder.augurBlock(r.stats, draft: handle.draft, slot: handle.slot)
                    let final = builder.chunk(text: builder.chat ? nil : "", finish: ResponseBuilder.finishReason(r.stats.finishReason), augur: augur)
                    try await writer.write(ByteBuffer(bytes: sseEvent(final)))
                    if includeUsage { try await writer.write(ByteBuffer(bytes: sseEvent(builder.usageChunk(r.stats)))) }
                }
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            done = true
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: jsonData(object))))
    }

    /// An OpenAI error body with the error's status (and `Retry-After` for 429/503).
    func error(_ e: APIError) -> Response {
        metrics.requestFailed(status: e.status)
        var response = json(e.body, status: .init(code: e.status))
        if let s = e.retryAfter { response.headers[.retryAfter] = "\(s)" }
        return response
    }
}
