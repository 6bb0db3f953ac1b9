import AugurEngine
import AugurModels
import AugurSampling
import Dispatch

/// A draft-tree decode step: the tree counterpart of ``SpeculativeStep`` (SpecInfer, Miao et al.
/// 2024, arXiv 2305.09781; EAGLE-2, arXiv 2406.16858).
///
/// One `advance` call:
/// 1. the drafter proposes a ``DraftTree`` of at most `policy.nextTreeSize` nodes (capped by the
///    free cache positions and one forward batch) after `sequence`; a budget of 0 is a plain round;
/// 2. ONE target forward with tree attention over [last token of `sequence`] + the tree's nodes
///    (row 0 is the last committed token, row i + 1 is node i);
/// 3. p for row r = `sampler.distribution` with history `sequence` + the tokens on the path to r
///    (stateful logit processors provisionally accept that path, then roll back);
/// 4. the ``TreeVerifier`` accepts a path and adds one corrected or bonus token;
/// 5. the cache keeps the last committed token and the accepted path, compacted into place
///    (``KVCache/compact(keeping:from:)``); the newest emitted token is not run (the `DecodeStep`
///    invariant);
/// 6. metrics: drafted = tree nodes (so α = accepted / nodes is lower than a chain's for the same
///    τ), accepted = path length, per-position acceptance by depth.
///
/// Without a tree (the drafter proposes nothing) the step decodes one token plainly. Greedy tree
/// output equals plain greedy output token for token: tree attention gives every node its chain's
/// logits bit for bit. Not thread-safe.
public final class TreeSpeculativeStep: DecodeStep {
    public let model: any TreeLanguageModel
    public let drafter: any TreeDrafter
    public let verifier: any TreeVerifier
    /// Node budget per round (``AdaptiveTreeSize``, ``FixedTreeSize``).
    public let policy: any TreeSizePolicy
    /// Counts and timings of the current generation's rounds.
    public private(set) var metrics = SpeculationMetrics()
    private var committed: [Int32]?

    public init(model: any TreeLanguageModel, drafter: any TreeDrafter, verifier: any TreeVerifier, policy: any TreeSizePolicy) {
        self.model = model
        self.drafter = drafter
        self.verifier = verifier
        self.policy = policy
    }

    /// A step with the same node budget `maxNodes` every round.
    public convenience init(model: any TreeLanguageModel, drafter: any TreeDrafter, verifier: any TreeVerifier, maxNodes: Int) {
        self.init(model: model, drafter: drafter, verifier: verifier, policy: FixedTreeSize(maxNodes))
    }

    public func beginGeneration(prompt: [Int32], reusedPrefix: Int) throws {
        metrics = SpeculationMetrics()
        policy.beginGeneration()
        committed = prompt
        try drafter.begin(prompt: prompt, reusedPrefix: reusedPrefix)
    }

    public var speculationMetrics: SpeculationMetrics? { metrics }

    /// See `DecodeStep.advance`.
    /// - Throws: `ModelError`, `SamplingError`, `TreeVerificationError`, `GenerationError.emptyPrompt`.
    public func advance(sequence: [Int32], cache: KVCache, sampler: Sampler, limit: Int) throws -> [Int32] {
        guard let last = sequence.last else { throw GenerationError.emptyPrompt }
        let base = cache.count
        if !StepSupport.continues(sequence, committed) { try beginGeneration(prompt: sequence, reusedPrefix: sequence.count) }

        // 1. Draft a tree (none when a single token is all the caller will use).
        let room = cache.capacity - cache.count
        let size = limit > 1 ? policy.nextTreeSize(maximum: max(0, min(room - 1, model.maxTreeNodes - 1))) : 0
        let t0 = DispatchTime.now()
        let tree = size > 0 ? try drafter.draftTree(context: sequence, maxNodes: size) : nil
        let nodes = tree?.nodes ?? []
        let t1 = DispatchTime.now()

        // 2. One target pass over the root and every node.
        let logits = try model.forwardTree([last] + nodes.map(\.token), parents: tree?.batchParents ?? [-1],
                                           cache: cache)
        let t2 = DispatchTime.now()

        // 3. Target distributions along each node's path.
        let targets = try StepSupport.targetDistributions(logits, rows: nodes.count + 1, sampler: sampler,
                                                          history: sequence) { r in r == 0 ? [] : tree!.tokens(to: r - 1)[...] }

        // 4. Verify.
        var acceptedPath: [Int] = []
        var emitted: [Int32]
        if let tree, !nodes.isEmpty {
            let v = try verifier.verify(tree: tree, targetDistributions: targets, rng: &sampler.rng)
            acceptedPath = v.acceptedPath
            emitted = v.emitted
        } else {
            emitted = [sampler.draw(from: targets[0])]
        }
        if emitted.count > limit { emitted.removeLast(emitted.count - limit) }
        let accepted = min(acceptedPath.count, emitted.count - 1)
        let t3 = DispatchTime.now()

        // 5. Keep the root and the accepted path; the newest emitted token is not run.
        cache.compact(keeping: [base] + acceptedPath.prefix(accepted).map { base + 1 + $0 }, from: base)
        let now = sequence + emitted
        committed = now
        for token in emitted { sampler.accept(token) }
        try drafter.accept(committed: now)

        if limit > 1 { policy.record(size: size, seconds: seconds(t0, t3), emitted: emitted.count) }
        metrics.record(drafted: nodes.count, accepted: accepted, emitted: emitted.count, depth: tree?.depth ?? 0)
        metrics.draftSeconds += seconds(t0, t1)
        metrics.targetSeconds += seconds(t1, t2)
        metrics.verifySeconds += seconds(t2, t3)
        return emitted
    }
}
