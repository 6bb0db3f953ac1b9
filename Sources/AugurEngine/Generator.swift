import AugurModels
import AugurSampling
import Dispatch

/// The outcome of one generation.
public struct GenerationResult: Sendable, Equatable {
    /// Everything emitted through `onText`, concatenated (stop string and what follows excluded).
    public var text: String
    /// Generated token ids, oldest first (a final end-of-generation token excluded).
    public var tokens: [Int32]
    /// The stop string that ended the generation, if one did.
    public var stopString: String?
    public var stats: GenerationStats
}

/// Runs prefill and the decode loop for one prompt, streaming text as it is produced.
///
/// 1. Prefill: the prompt tokens not already in the cache go through the model in one `forward`
///    (`LogitRows.last`; the model chunks long prompts internally); the first token is sampled from
///    those logits.
/// 2. Decode: `step` (one token per forward by default, draft-and-verify later) extends the sequence
///    until an end-of-generation token, a stop string, `maxTokens`, or a full context.
///
/// Text goes through the codec's streaming decoder (whole UTF-8 characters only) and a `StopMatcher`
/// that holds back possible stop-string prefixes, so no text at or after a stop string is ever emitted.
/// The context never overflows: before each step the generator checks there is room for one more
/// position and otherwise ends with `FinishReason.length`.
///
/// ```swift
/// let gen = Generator(model: model, codec: tokenizer)
/// let cache = model.makeCache(capacity: 4096)
/// let result = try gen.generate(prompt: ids, cache: cache, parameters: .init(maxTokens: 64)) { print($0, terminator: "") }
/// print(result.stats.summary)
/// ```
/// Not thread-safe (neither is the model): one generator per task.
public final class Generator {
    public let model: LanguageModel
    public let codec: any TextCodec
    /// The decode step (plain by default; the seam for speculative decoding).
    public var step: any DecodeStep

    public init(model: LanguageModel, codec: any TextCodec, step: (any DecodeStep)? = nil) {
        self.model = model
        self.codec = codec
        self.step = step ?? SingleTokenStep(model: model)
    }

    /// Generates a continuation of `prompt`.
    ///
    /// - Parameters:
    ///   - prompt: the full prompt's token ids (BOS included when the model wants one).
    ///   - cache: the KV cache to use. Its first `reusedPrefix` positions must hold `prompt[0..<reusedPrefix]`
    ///     (chat prefix reuse); anything after them is discarded. On return it holds the prompt and the
    ///     generated tokens, except the newest one when generation ended on a sampled (not yet run) token.
    ///   - reusedPrefix: prompt tokens already in the cache; clamped to `prompt.count - 1` (the last
    ///     prompt token always runs, its logits start the generation) and to `cache.count`.
    ///   - parameters: budget, stop strings, sampling.
    ///   - shouldContinue: polled before each decode step; returning false ends with `.cancelled`.
    ///   - onText: receives each non-empty piece of text as soon as it is final.
    /// - Throws: `GenerationError.emptyPrompt`, `.promptTooLong` (the prompt exceeds `cache.capacity`),
    ///   `.invalidParameter`, `SamplingError`, `ModelError`.
    @discardableResult
    public func generate(prompt: [Int32], cache: KVCache, reusedPrefix: Int = 0, parameters: GenerationParameters,
                         shouldContinue: () -> Bool = { true },
                         onText: (String) -> Void = { _ in }) throws -> GenerationResult {
        try parameters.validate()
        guard !prompt.isEmpty else { throw GenerationError.emptyPrompt }
        guard prompt.count <= cache.capacity else {
            throw GenerationError.promptTooLong(promptTokens: prompt.count, contextSize: cache.capacity)
        }
        let sampler = try Sampler(parameters: parameters.sampling)
        let reused = max(0, min(reusedPrefix, prompt.count - 1, cache.count))
        cache.truncate(to: reused)

        var stats = GenerationStats(promptTokens: prompt.count, reusedPromptTokens: reused)
        let prefillStart = DispatchTime.now()
        try step.beginGeneration(prompt: prompt, reusedPrefix: reused)
        let logits = try model.forward(Array(prompt[reused...]), cache: cache, rows: .last)
        let first = try logits.row(logits.rowCount - 1).withUnsafeBufferPointer {
            try sampler.sample(logits: $0, history: prompt)
        }
        sampler.accept(first.token)
        let decodeStart = DispatchTime.now()
        stats.prefillSeconds = seconds(prefillStart, decodeStart)

        var sequence = prompt
        var generated: [Int32] = []
        var text = ""
        var stream = codec.makeTextStream()
        var stops = StopMatcher(parameters.stopStrings)
        func emit(_ piece: String) {
            guard !piece.isEmpty else { return }
            text += piece
            onText(piece)
        }

        var pending = [first.token]
        var fromStep = false
        var finish = FinishReason.length
        loop: while true {
            for token in pending {
                if fromStep { stats.decodeTokens += 1 }
                if !parameters.ignoreEndOfGeneration && codec.isEndOfGeneration(token) { finish = .stop; break loop }
                sequence.append(token)
                generated.append(token)
                let out = stops.feed(stream.push(token))
                emit(out.text)
                if out.stop != nil { finish = .stop; break loop }
                if generated.count >= parameters.maxTokens { finish = .length; break loop }
            }
            guard shouldContinue() else { finish = .cancelled; break }
            guard cache.count + 1 <= cache.capacity else { finish = .length; break }
            pending = try step.advance(sequence: sequence, cache: cache, sampler: sampler,
                                       limit: parameters.maxTokens - generated.count)
            fromStep = true
        }
        if stops.stopped == nil {
            // Bytes still held by the UTF-8 decoder may complete a stop string too.
            let out = stops.feed(stream.finish())
            emit(out.text)
            emit(stops.finish())
            if out.stop != nil { finish = .stop }
        }
        // A multi-token step may have run positions past where the generation ended.
        if cache.count > sequence.count { cache.truncate(to: sequence.count) }

        stats.generatedTokens = generated.count
        stats.decodeSeconds = seconds(decodeStart, DispatchTime.now())
        stats.finishReason = finish
        if var m = step.speculationMetrics {
            m.recordPrefill(seconds: stats.prefillSeconds)
            // Count what was emitted, not what the step returned past a stop.
            m.emittedTokens = stats.decodeTokens + 1
            stats.speculation = m
        }
        return GenerationResult(text: text, tokens: generated, stopString: stops.stopped, stats: stats)
    }
}

/// Seconds from `a` to `b` (monotonic clock); shared by the decode loop and decode steps.
public func seconds(_ a: DispatchTime, _ b: DispatchTime) -> Double {
    Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9
}
