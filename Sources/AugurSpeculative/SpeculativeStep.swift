import AugurEngine
import AugurModels
import AugurSampling
import Dispatch

/// A draft-and-verify decode step: the `DecodeStep` that plugs speculative decoding into the
/// engine's `Generator` (Leviathan et al. 2023, arXiv 2211.17192, Algorithm 1; Chen et al. 2023,
/// arXiv 2302.01318).
///
/// One `advance` call:
/// 1. k' = `policy.nextDraftLength(_:)` with maximum min(limit − 1, free cache positions − 1), the
///    tokens generated so far, the drafter's pending catch-up and its draft class; the drafter
///    proposes up to k' tokens x_1..x_k' after `sequence`;
/// 2. ONE target forward over [last token of `sequence`, x_1..x_k'] with logits for every row
///    (the cache grows by k' + 1);
/// 3. p_i = `sampler.distribution` of row i, with history `sequence + x_1..x_{i-1}` (so the
///    repetition penalty and any logit processor see the draft prefix, exactly as plain decoding
///    would have seen those tokens);
/// 4. the verifier accepts a tokens and adds one corrected or bonus token (a + 1 tokens emitted);
/// 5. the cache is cut back to `sequence.count + a` positions: `sequence`, then the accepted draft
///    tokens; the last emitted token is not run yet (the `DecodeStep` invariant);
/// 6. the policy hears what the round cost and gave (`RoundObservation`).
///
/// With no draft (k' = 0 or the drafter proposes nothing) the step is plain decoding: one token, one
/// forward, drawn with `sampler.draw` as `SingleTokenStep` does.
///
/// Randomness: the verifier draws from the sampler's own generator (`sampler.rng`, seeded with
/// `SamplingParameters.seed`), so a speculative run is reproducible from its seed. Greedy
/// verification consumes none, and its output is token for token plain greedy decoding.
///
/// A new generation starts with `beginGeneration(prompt:reusedPrefix:)` (the `Generator` calls it
/// during prefill), or is detected when a `sequence` does not extend the previous round's committed
/// sequence; either way `drafter.begin(prompt:reusedPrefix:)` runs then, and, while the policy
/// `wantsDraftCost`, one drafting forward is timed for it (`Drafter.measureForwardSeconds`). `metrics` holds the
/// current generation's rounds; the `Generator` adds the prefill and reports them in
/// `GenerationStats.speculation`. Not thread-safe.
public final class SpeculativeStep: DecodeStep {
    /// The target model whose output distribution the step reproduces.
    public let model: any LanguageModel
    public let drafter: any Drafter
    public let verifier: any Verifier
    /// Chooses k for each round (`FixedDraftLength`, `AdaptiveDraftLength`).
    public let policy: any DraftLengthPolicy
    /// Counts and timings of the current generation's rounds (prefill not included).
    public private(set) var metrics = SpeculationMetrics()
    /// The committed sequence after the last round (to detect a new generation).
    private var committed: [Int32]?
    /// Prompt length of the current generation.
    private var promptCount = 0

    /// - Parameters:
    ///   - model: the target model.
    ///   - drafter: proposes tokens (prompt lookup, a draft model, ...).
    ///   - verifier: accepts a prefix of each draft (`GreedyVerifier` at temperature 0,
    ///     `SpeculativeSamplingVerifier` otherwise; see `makeVerifier(for:method:)`).
    ///   - policy: the draft length per round.
    public init(model: any LanguageModel, drafter: any Drafter, verifier: any Verifier, policy: any DraftLengthPolicy) {
        self.model = model
        self.drafter = drafter
        self.verifier = verifier
        self.policy = policy
    }

    /// A step with the fixed policy: `draftLength` tokens every round (negative counts as 0).
    public convenience init(model: any LanguageModel, drafter: any Drafter, verifier: any Verifier, draftLength: Int = 4) {
        self.init(model: model, drafter: drafter, verifier: verifier, policy: FixedDraftLength(draftLength))
    }

    /// Starts a generation: forgets the metrics and the policy's acceptance history, and lets the
    /// drafter index or prefill `prompt` (keeping at most `reusedPrefix` tokens it already holds).
    /// - Throws: errors of the drafter's model.
    public func beginGeneration(prompt: [Int32], reusedPrefix: Int) throws {
        metrics = SpeculationMetrics()
        policy.beginGeneration()
        committed = prompt
        promptCount = prompt.count
        try drafter.begin(prompt: prompt, reusedPrefix: reusedPrefix)
        if policy.wantsDraftCost, let d = try drafter.measureForwardSeconds() {
            policy.calibrate(draftSecondsPerForward: d)
        }
    }

    /// The current generation's rounds.
    public var speculationMetrics: SpeculationMetrics? { metrics }

    /// See `DecodeStep.advance`. Returns 1...`limit` tokens: the accepted draft prefix and one
    /// corrected or bonus token.
    /// - Throws: `GenerationError.emptyPrompt` for an empty sequence, `ModelError` from the target
    ///   (or from a drafter's model, other than its context filling up), `SamplingError`,
    ///   `VerificationError`.
    public func advance(sequence: [Int32], cache: KVCache, sampler: Sampler, limit: Int) throws -> [Int32] {
        guard let last = sequence.last else { throw GenerationError.emptyPrompt }
        let base = sequence.count
        // Same generation: the drafter re-syncs from `accept(committed:)` and the context.
        if !StepSupport.continues(sequence, committed) { try beginGeneration(prompt: sequence, reusedPrefix: sequence.count) }

        // 1. Draft.
        let room = cache.capacity - cache.count
        let catchUp = drafter.catchUpTokens(context: sequence)
        let draftClass = drafter.draftClass(context: sequence)
        let k = max(0, policy.nextDraftLength(RoundContext(maximum: max(0, min(limit - 1, room - 1)), remaining: limit,
                                                           generated: base - promptCount, catchUpTokens: catchUp,
                                                           draftClass: draftClass)))
        let t0 = DispatchTime.now()
        var draft = Draft.empty
        if k > 0 {
            do {
                draft = try drafter.draft(context: sequence, maxTokens: k)
            } catch ModelError.contextFull {
                draft = .empty  // the drafter's own context is full: decode plainly
            }
            if draft.count > k {
                draft = Draft(tokens: Array(draft.tokens.prefix(k)), distributions: draft.distributions.map { Array($0.prefix(k)) })
            }
        }
        let t1 = DispatchTime.now()

        // 2. One target pass over the last committed token and the draft.
        let logits = try model.forward([last] + draft.tokens, cache: cache, rows: .all)
        let t2 = DispatchTime.now()

        // 3.-4. Target distributions (row i sees x_1..x_{i-1}), then verification.
        let targets = try StepSupport.targetDistributions(logits, rows: draft.count + 1, sampler: sampler,
                                                          history: sequence) { draft.tokens[..<$0] }

        let accepted: Int
        var emitted: [Int32]
        if draft.isEmpty {
            accepted = 0
            emitted = [sampler.draw(from: targets[0])]
        } else {
            let q = (0..<draft.count).map { draft.distribution(at: $0, vocabularySize: logits.vocabSize) }
            let v = try verifier.verify(draft: draft.tokens, draftDistributions: q, targetDistributions: targets,
                                        rng: &sampler.rng)
            accepted = v.acceptedCount
            emitted = v.emitted
        }
        if emitted.count > limit { emitted.removeLast(emitted.count - limit) }
        let t3 = DispatchTime.now()

        // 5. Roll back: keep `sequence` and the accepted draft tokens; the last emitted token is not run.
        cache.truncate(to: base + min(accepted, emitted.count - 1))
        let now = sequence + emitted
        committed = now
        for token in emitted { sampler.accept(token) }
        try drafter.accept(committed: now)

        policy.record(RoundObservation(requested: k, drafted: draft.count, accepted: accepted,
                                       draftSeconds: seconds(t0, t1), targetSeconds: seconds(t1, t2),
                                       catchUpTokens: k > 0 ? catchUp : 0, draftClass: draftClass))
        metrics.record(drafted: draft.count, accepted: min(accepted, emitted.count), emitted: emitted.count)
        metrics.draftSeconds += seconds(t0, t1)
        metrics.targetSeconds += seconds(t1, t2)
        metrics.verifySeconds += seconds(t2, t3)
        return emitted
    }
}
