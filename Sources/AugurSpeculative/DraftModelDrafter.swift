import AugurEngine
import AugurModels
import AugurSampling
import Foundation

/// Drafting with a smaller language model that shares the target's vocabulary (check it with
/// ``VocabularyCompatibility/check(target:draft:)``), as in Leviathan et al. 2023 and llama.cpp's
/// `common/speculative.cpp` (`common_speculative_gen_draft`).
///
/// The drafter owns the draft model's KV cache and remembers which tokens it holds. Each
/// ``draft(context:maxTokens:)``:
/// 1. keeps the longest cached prefix shared with `context` and truncates the rest (rollback of
///    rejected draft tokens), then runs the committed tokens it has not seen (typically the
///    target's corrected or bonus token) in one batch;
/// 2. proposes tokens one at a time: greedy (argmax; `Draft.distributions` is nil, q one-hot) or,
///    with a `Sampler`, drawn from the sampler's processed distribution (q = that distribution);
/// 3. stops early when the draft's most likely token has probability below `pMin` (llama.cpp's
///    `--draft-p-min`): an unsure draft is likely rejected, so its verification cost is wasted.
///    The probability is that of the softmax of the raw logits (greedy) or of q (sampled).
///
/// The last proposed token is not run through the draft model (its K/V are never needed unless
/// it is accepted, and then the next call runs it as a committed token).
///
/// With `defersPrefill` the prompt is not prefilled at ``begin(prompt:reusedPrefix:)``: the first
/// draft catches up on it, so a generation that never drafts (the adaptive policy decoding plainly)
/// never pays the draft's prompt prefill. ``catchUpTokens(context:)`` says how much is pending.
public final class DraftModelDrafter: Drafter {
    public let model: any LanguageModel
    /// Draws sampled drafts; nil for greedy drafting.
    public let sampler: Sampler?
    /// Stop drafting when the top probability at a position is below this (0 disables).
    public var pMin: Float
    /// The draft model's cache; holds the K/V of `cached`.
    public let cache: KVCache
    /// Tokens whose K/V are in `cache`, oldest first.
    public private(set) var cached: [Int32] = []
    /// Leave the prompt to the first draft instead of prefilling it at `begin` (false: prefill at begin).
    public var defersPrefill = false

    /// - Parameters:
    ///   - model: the draft model.
    ///   - capacity: positions of the draft cache (prompt + output + draft length).
    ///   - sampler: nil for greedy drafting; otherwise q is `sampler`'s processed distribution.
    ///   - pMin: minimum top probability to keep drafting, in [0, 1].
    public init(model: any LanguageModel, capacity: Int, sampler: Sampler? = nil, pMin: Float = 0) {
        self.model = model
        self.sampler = sampler
        self.pMin = pMin
        cache = model.makeCache(capacity: capacity)
    }

    /// Prefills the prompt into the draft cache (all but its last token, which `draft` runs to get
    /// the first logits; nothing with `defersPrefill`). A prefix the cache already holds (the
    /// earlier turns of a chat) is kept. A prompt longer than the draft cache leaves the cache
    /// empty: drafting then proposes nothing.
    public func begin(prompt: [Int32]) throws {
        try begin(prompt: prompt, reusedPrefix: prompt.count)
    }

    /// ``begin(prompt:)`` keeping at most the first `reusedPrefix` tokens the cache holds.
    public func begin(prompt: [Int32], reusedPrefix: Int) throws {
        let head = Array(prompt.dropLast())
        rollback(toPrefixOf: Array(head.prefix(max(0, reusedPrefix))))
        guard !defersPrefill, head.count < cache.capacity else { return }
        if head.count > cached.count { try feed(Array(head[cached.count...]), rows: .none) }
    }

    /// Truncates the cache to the longest prefix of `committed` it holds.
    public func accept(committed: [Int32]) throws {
        rollback(toPrefixOf: committed)
    }

    /// Tokens of `context` before its last that the cache does not hold.
    public func catchUpTokens(context: [Int32]) -> Int {
        max(0, context.count - 1 - ChatSession.commonPrefixLength(cached, context))
    }

    /// The faster of two one-token forwards after the cached tokens (the first also warms the
    /// caches), each truncated away again; nil when the cache has no free position.
    /// - Throws: `ModelError` from the draft model.
    public func measureForwardSeconds() throws -> Double? {
        let base = cache.count
        guard base < cache.capacity else { return nil }
        var best = Double.infinity
        for _ in 0..<2 {
            let start = DispatchTime.now()
            _ = try model.forward([cached.last ?? 0], cache: cache, rows: .last)
            best = min(best, seconds(start, DispatchTime.now()))
            cache.truncate(to: base)
        }
        return best
    }

    /// Up to `maxTokens` draft tokens after `context` (fewer when `pMin` stops early or the cache
    /// would overflow; empty for an empty context).
    /// - Throws: `ModelError` from the draft model's forward pass; `SamplingError` from the sampler.
    public func draft(context: [Int32], maxTokens: Int) throws -> Draft {
        guard !context.isEmpty, maxTokens > 0 else { return .empty }
        // Keep at least the last context token uncached: running it yields the first draft logits.
        rollback(toPrefixOf: Array(context.dropLast()))
        // The cache must hold context + the first k − 1 draft tokens.
        let k = min(maxTokens, cache.capacity - context.count + 1)
        guard k > 0 else { return .empty }

        var logits = try feed(Array(context[cached.count...]), rows: .last)
        var tokens: [Int32] = []
        var distributions: [TokenDistribution] = []
        var history = context
        while true {
            let token: Int32
            let top: Float
            if let sampler {
                let q = try sampler.distribution(logits: logits, history: history)
                token = sampler.draw(from: q)
                top = q.probability(of: q.mostLikely)
                if top < pMin { break }
                distributions.append(q)
            } else {
                guard let best = Self.argmax(logits, probability: pMin > 0) else { break }  // no viable token
                (token, top) = best
                if top < pMin { break }
            }
            tokens.append(token)
            history.append(token)
            if tokens.count == k { break }
            logits = try feed([token], rows: .last)
        }
        return Draft(tokens: tokens, distributions: sampler == nil ? nil : distributions)
    }

    /// Brings the cache to hold exactly `tokens`: rolls back what differs, then runs the missing
    /// tokens in one batch (no logits). Used by ``DraftModelTreeDrafter``.
    /// - Throws: `ModelError` (`.contextFull` when `tokens` do not fit).
    func sync(to tokens: [Int32]) throws {
        rollback(toPrefixOf: tokens)
        if tokens.count > cached.count { try feed(Array(tokens[cached.count...]), rows: .none) }
    }

    /// Runs `tokens` after the cache and records them; returns the logits of the last row.
    @discardableResult
    private func feed(_ tokens: [Int32], rows: LogitRows) throws -> [Float] {
        let out = try model.forward(tokens, cache: cache, rows: rows)
        cached += tokens
        return rows == .none ? [] : Array(out.row(out.rowCount - 1))
    }

    /// Drops cached tokens after the longest common prefix of `cached` and `tokens`.
    private func rollback(toPrefixOf tokens: [Int32]) {
        let common = ChatSession.commonPrefixLength(cached, tokens)
        if common < cached.count {
            cache.truncate(to: common)
            cached.removeLast(cached.count - common)
        }
    }

    /// The most likely id (ties to the lowest, as the greedy sampler) and its softmax probability
    /// at temperature 1 (1 without computing it when `probability` is false: the softmax over the
    /// vocabulary is a few % of a draft step, wasted when no p-min reads it); nil when no logit is viable.
    static func argmax(_ logits: [Float], probability: Bool = true) -> (Int32, Float)? {
        guard let best = logits.withUnsafeBufferPointer(LogitFilters.argmax) else { return nil }
        guard probability else { return (best, 1) }
        let m = logits[Int(best)]
        var sum: Double = 0
        for l in logits where l.isFinite || l == m { sum += Double(exp(Double(l - m))) }
        return (best, Float(1 / sum))
    }
}
