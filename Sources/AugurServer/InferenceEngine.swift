import AugurEngine
import AugurModels
import AugurSampling
import AugurSpeculative
import Foundation

/// Runs generations for the HTTP handlers: tokenises and checks requests, assigns slots, and runs
/// each generation on its own thread with the models shared through a `ModelBaton`.
///
/// Concurrency model: `slotCount` slots each own a KV cache of `contextSize` positions (allocated
/// once at start). Up to `slotCount` generations are active at once; their prefill and decode steps
/// interleave step by step (round robin through the baton: one forward at a time, since the
/// models are not thread-safe). Further requests wait in a FIFO queue of at most `queueLimit`;
/// beyond that they get 429. Cancelling a generation (client gone) ends it at the next decode step
/// and frees its slot.
public final class InferenceEngine: @unchecked Sendable {
    public let models: ServedModels
    /// Positions of each slot's KV cache (prompt + reply).
    public let contextSize: Int
    /// The start-up speculation settings (`augur serve`'s flags); requests override fields.
    public let speculation: SpeculationSettings
    let pool: SlotPool
    let metrics: ServerMetrics
    private let baton = ModelBaton()

    /// A request turned into token ids and engine settings, ready to run.
    public struct Job: Sendable {
        public var prompt: [Int32]
        public var parameters: GenerationParameters
        public var settings: SpeculationSettings
        /// `none`, `ngram` or the draft model's name.
        public var draft: String
    }

    /// What `start` returns: the event stream and where it runs.
    public struct Handle: Sendable {
        public let events: AsyncThrowingStream<GenerationEvent, Error>
        public let slot: Int
        public let draft: String
        let control: JobControl
        /// Stops the generation at its next decode step (its slot is then freed).
        public func cancel() { control.cancel() }
    }

    /// - Parameters:
    ///   - slots: generation slots (`--max-concurrent`), ≥ 1.
    ///   - contextSize: KV positions per slot (`--ctx`), ≥ 1.
    ///   - queueLimit: requests that may wait for a slot, ≥ 0.
    public init(models: ServedModels, slots: Int, contextSize: Int, queueLimit: Int,
                speculation: SpeculationSettings, metrics: ServerMetrics) {
        self.models = models
        self.contextSize = contextSize
        self.speculation = speculation
        self.metrics = metrics
        let model = models.target.model
        pool = SlotPool(slots: (0..<max(1, slots)).map { Slot(index: $0, cache: model.makeCache(capacity: contextSize)) },
                        queueLimit: max(0, queueLimit))
        pool.onChange = { [metrics] busy, waiting in metrics.slotsChanged(busy: busy, waiting: waiting) }
    }

    /// Slots, free slots and waiting requests right now.
    public var slotState: (total: Int, free: Int, waiting: Int) {
        let s = pool.state
        return (pool.count, s.free, s.waiting)
    }

    /// Tokenises and checks a request.
    /// - Throws: `APIError`: 404 for another model's name, 400 for a prompt longer than the context,
    ///   `max_tokens` above the context, bad speculative settings or a greedy verifier at T > 0.
    public func prepare(_ request: GenerationRequest) throws -> Job {
        if let name = request.model, !name.isEmpty, name != models.modelID { throw APIError.modelNotFound(name) }
        let target = models.target
        let prompt: [Int32]
        do {
            switch request.input {
            case .chat(let messages):
                prompt = try target.tokenizer.encodePrompt(target.template.render(messages, addGenerationPrompt: true), parseSpecial: true)
            case .text(let text):
                prompt = try target.tokenizer.encodePrompt(text, parseSpecial: true)
            }
        } catch {
            throw APIError.invalidRequest("cannot build the prompt: \(error)", param: nil)
        }
        guard !prompt.isEmpty else { throw APIError.invalidField("prompt", "gives no tokens") }
        guard prompt.count <= contextSize else { throw APIError.contextLengthExceeded(promptTokens: prompt.count, contextSize: contextSize) }
        if let m = request.maxTokens, m > contextSize {
            throw APIError.invalidField("max_tokens", "must be at most the context size \(contextSize), got \(m)")
        }
        let settings = try request.speculative.applied(to: speculation)
        let draft = try models.draftSource(named: request.speculative.draft)
        do {
            if settings.tree == .none {
                _ = try makeVerifier(for: request.sampling, method: settings.verifier)
            } else {
                _ = try makeTreeVerifier(for: request.sampling, method: settings.verifier)
            }
        } catch {
            throw APIError.invalidField("speculative.verifier", "\(error)")
        }
        let parameters = GenerationParameters(maxTokens: request.maxTokens ?? contextSize, stopStrings: request.stop,
                                              sampling: request.sampling)
        return Job(prompt: prompt, parameters: parameters, settings: settings, draft: draft.label)
    }

    /// Waits for a slot and starts the generation on its own thread.
    ///
    /// The stream yields text pieces, then `.finished` with the result; it throws
    /// `APIError.internalError` for a model failure. Ending its iteration early (or dropping it)
    /// cancels the generation; the slot is freed either way.
    /// - Throws: `APIError.overloaded` (queue full), `CancellationError` (cancelled while queued).
    public func start(_ job: Job) async throws -> Handle {
        let slot = try await pool.acquire(prompt: job.prompt)
        let control = JobControl()
        let events = AsyncThrowingStream<GenerationEvent, Error> { continuation in
            continuation.onTermination = { _ in control.cancel() }
            let thread = Thread { [self] in
                do {
                    let result = try run(job, on: slot, control: control) { continuation.yield(.text($0)) }
                    metrics.record(result.stats)
                    pool.release(slot)
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    pool.release(slot)
                    continuation.finish(throwing: APIError.internalError("\(error)"))
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        return Handle(events: events, slot: slot.index, draft: job.draft, control: control)
    }

    /// The generation itself (on the slot's thread, holding the baton between yields).
    private func run(_ job: Job, on slot: Slot, control: JobControl, onText: (String) -> Void) throws -> GenerationResult {
        baton.acquire()
        defer { baton.release() }
        let common = ChatSession.commonPrefixLength(slot.cachedTokens, job.prompt)
        do {
            let step = try makeStep(job, slot: slot)
            let generator = Generator(model: models.target.model, codec: models.target.tokenizer, step: step)
            let result = try generator.generate(
                prompt: job.prompt, cache: slot.cache, reusedPrefix: common, parameters: job.parameters,
                shouldContinue: { [baton] in
                    guard !control.isCancelled else { return false }
                    baton.yield()
                    return !control.isCancelled
                },
                onText: onText)
            slot.cachedTokens = Array((job.prompt + result.tokens).prefix(slot.cache.count))
            return result
        } catch {
            // Keep only what is certainly consistent: the shared prefix.
            let keep = min(common, slot.cache.count)
            slot.cache.truncate(to: keep)
            slot.cachedTokens = Array(job.prompt.prefix(keep))
            slot.reusableStep = nil
            throw error
        }
    }

    /// The decode step for `job`: the slot's kept step when greedy settings match (its draft
    /// cache then keeps the shared prefix), else a new one from `SpeculationSettings.makeDecodeStep`
    /// (a chain or, with `tree`, a tree step).
    private func makeStep(_ job: Job, slot: Slot) throws -> (any DecodeStep)? {
        let key = StepKey(settings: job.settings, sampling: job.parameters.sampling, draft: job.draft)
        let greedy = job.parameters.sampling.isGreedy
        if greedy, let kept = slot.reusableStep, kept.key == key { return kept.step }
        let source = try models.draftSource(named: job.draft).source
        let step = try job.settings.makeDecodeStep(target: models.target.model, draft: source, sampling: job.parameters.sampling,
                                                   contextSize: contextSize)
        if greedy, let step, case .model = source { slot.reusableStep = (key, step) }
        return step
    }
}

/// The cancel flag shared by a generation thread and its stream's consumer.
final class JobControl: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    var isCancelled: Bool { lock.withLock { cancelled } }
    func cancel() { lock.withLock { cancelled = true } }
}
