/// Turns logits into the next token: the sampler chain plus a seeded random generator.
///
/// Chain, in llama.cpp's default order (`common/common.h`: penalties, top-k, top-p, min-p, temperature):
/// 1. logit processors (`LogitProcessor`, e.g. grammar masks), in the order given;
/// 2. repetition penalty over the last `repeatLastN` tokens of `history`;
/// 3. greedy (`temperature == 0`): argmax, ties to the lowest id, one-hot distribution — done;
/// 4. top-k, 5. top-p, 6. min-p — each on probabilities at temperature 1, each skipped when off;
/// 7. softmax(logit / temperature) over the surviving candidates; 8. draw with the RNG.
///
/// The returned distribution is the exact processed distribution (step 7): speculative verification
/// reads p(x) of any token from it. Without truncation filters it is dense over the vocabulary.
///
/// One `Sampler` per generation stream; not thread-safe. The history is passed in (not stored), so
/// speculative rollback needs no sampler state beyond the processors.
///
/// ```swift
/// let sampler = try Sampler(parameters: .init(temperature: 0.8, topK: 40, seed: 7))
/// let next = try sampler.sample(logits: logits, history: tokens)   // next.token, next.probabilities
/// sampler.accept(next.token)
/// ```
public final class Sampler {
    public let parameters: SamplingParameters
    /// The random generator, seeded with `parameters.seed`. Speculative acceptance tests may draw
    /// their uniforms from it too (`sampler.rng.nextDouble()`), keeping a run reproducible.
    public var rng: Xoshiro256StarStar
    public private(set) var processors: [any LogitProcessor]
    /// Working copy of the logits, reused between calls (nothing vocabulary-sized allocated per call
    /// on the greedy path).
    private var scratch: [Float] = []

    /// - Throws: `SamplingError.invalidParameter` when `parameters` fail `validate()`.
    public init(parameters: SamplingParameters, processors: [any LogitProcessor] = []) throws {
        try parameters.validate()
        self.parameters = parameters
        self.processors = processors
        rng = Xoshiro256StarStar(seed: parameters.seed)
    }

    /// The processed distribution of the next token (chain steps 1–7), without drawing.
    ///
    /// - Parameters:
    ///   - logits: one raw logit per vocabulary id, shape [vocab].
    ///   - history: the tokens so far (prompt and generated), oldest first; only the repetition
    ///     penalty reads it.
    /// - Throws: `SamplingError.noViableToken` when every logit is -∞ or NaN after processing.
    public func distribution<H: Collection>(logits: UnsafeBufferPointer<Float>, history: H) throws -> TokenDistribution
    where H.Element == Int32 {
        let n = logits.count
        if scratch.count != n { scratch = [Float](repeating: 0, count: n) }
        let p = parameters
        return try scratch.withUnsafeMutableBufferPointer { work in
            _ = work.initialize(from: logits)
            for processor in processors { processor.process(work) }
            LogitFilters.applyRepetitionPenalty(work, history: history, lastN: p.repeatLastN, penalty: p.repeatPenalty)
            let view = UnsafeBufferPointer(work)
            guard let best = LogitFilters.argmax(view) else { throw SamplingError.noViableToken }
            if p.isGreedy { return .oneHot(best, vocabularySize: n) }

            var candidates: TokenCandidates?  // nil: every id is still a candidate
            if p.topK > 0 && p.topK < n { candidates = LogitFilters.topK(view, k: p.topK) }
            if p.topP < 1 {
                candidates = candidates.map { LogitFilters.topP(sorted: $0, p: p.topP) } ?? LogitFilters.topP(view, p: p.topP)
            }
            if p.minP > 0 {
                candidates = candidates.map { LogitFilters.minP($0, minP: p.minP) } ?? LogitFilters.minP(view, minP: p.minP)
            }
            if let c = candidates {
                return LogitFilters.softmax(c, temperature: p.temperature, vocabularySize: n)
            }
            return LogitFilters.softmax(view, temperature: p.temperature)
        }
    }

    /// `distribution(logits:history:)` for arrays.
    public func distribution(logits: [Float], history: [Int32] = []) throws -> TokenDistribution {
        try logits.withUnsafeBufferPointer { try distribution(logits: $0, history: history) }
    }

    /// Draws a token from `distribution`. Greedy parameters take the most likely token without
    /// touching the RNG; otherwise exactly one `rng.nextDouble()` is consumed.
    public func draw(from distribution: TokenDistribution) -> Int32 {
        if parameters.isGreedy { return distribution.mostLikely }
        return distribution.sample(using: &rng)
    }

    /// The next token and the processed distribution it came from (chain steps 1–8).
    public func sample<H: Collection>(logits: UnsafeBufferPointer<Float>, history: H) throws -> SampledToken
    where H.Element == Int32 {
        let d = try distribution(logits: logits, history: history)
        return SampledToken(token: draw(from: d), probabilities: d)
    }

    /// `sample(logits:history:)` for arrays.
    public func sample(logits: [Float], history: [Int32] = []) throws -> SampledToken {
        try logits.withUnsafeBufferPointer { try sample(logits: $0, history: history) }
    }

    /// Tells every processor that `token` joined the sequence.
    public func accept(_ token: Int32) {
        for processor in processors { processor.accept(token) }
    }

    /// Returns every processor to its state after `count` accepted tokens.
    public func rollback(to count: Int) {
        for processor in processors { processor.rollback(to: count) }
    }
}
