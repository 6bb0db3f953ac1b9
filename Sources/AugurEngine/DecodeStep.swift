import AugurModels
import AugurSampling

/// One step of the decode loop: extends a sequence by one or more tokens.
///
/// This is the seam for speculative decoding: plain decoding (`SingleTokenStep`) runs the model on
/// the last token and samples one; a draft-and-verify step proposes several tokens, verifies them in
/// one forward and returns the accepted ones plus a corrected or bonus token. The generator does not
/// care which: it only consumes the returned tokens in order.
///
/// Invariant on entry and on return: the cache holds every token of the sequence except the last
/// (the newest token has been sampled but not yet run through the model).
public protocol DecodeStep: AnyObject {
    /// Extends `sequence`.
    /// - Parameters:
    ///   - sequence: all tokens so far (prompt and generated), oldest first; `cache.count == sequence.count - 1`.
    ///   - cache: the KV cache; the caller guarantees room for at least one more position. A step
    ///     that runs more positions must stay within `cache.capacity` itself.
    ///   - sampler: draws tokens (its history is `sequence`); also the RNG of acceptance tests.
    ///   - limit: the most tokens the caller will use (≥ 1); returning more wastes work.
    /// - Returns: 1…`limit` new tokens. Afterwards the cache holds `sequence` plus all returned
    ///   tokens but the last.
    /// - Throws: model and sampling errors.
    func advance(sequence: [Int32], cache: KVCache, sampler: Sampler, limit: Int) throws -> [Int32]

    /// Called by the generator with each generation's prompt, inside the prefill (its time counts as
    /// prefill): forget per-generation state and prepare (a draft model prefills the prompt here, unless
    /// it defers that to its first draft).
    /// - Parameters:
    ///   - prompt: the generation's prompt tokens.
    ///   - reusedPrefix: how many leading prompt tokens the target keeps from its cache (a chat's
    ///     earlier turns); a step's own caches keep at most as many, so a benchmark that re-runs a
    ///     prompt from scratch pays the step's prefill again as the target does.
    /// - Throws: errors of the step's own models.
    func beginGeneration(prompt: [Int32], reusedPrefix: Int) throws

    /// Speculation statistics of the current generation's decode rounds (prefill not included), or
    /// nil for a step that does not speculate. The generator completes them into
    /// `GenerationStats.speculation`.
    var speculationMetrics: SpeculationMetrics? { get }
}

extension DecodeStep {
    public func beginGeneration(prompt: [Int32], reusedPrefix: Int) throws {}
    public var speculationMetrics: SpeculationMetrics? { nil }
}

/// Plain autoregressive decoding: one forward of one token, one sampled token per step.
public final class SingleTokenStep: DecodeStep {
    public let model: LanguageModel

    public init(model: LanguageModel) {
        self.model = model
    }

    public func advance(sequence: [Int32], cache: KVCache, sampler: Sampler, limit: Int) throws -> [Int32] {
        guard let last = sequence.last else { throw GenerationError.emptyPrompt }
        let logits = try model.forward([last], cache: cache, rows: .last)
        let next = try logits.values.withUnsafeBufferPointer {
            try sampler.sample(logits: $0, history: sequence)
        }
        sampler.accept(next.token)
        return [next.token]
    }
}
