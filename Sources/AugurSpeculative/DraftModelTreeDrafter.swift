import AugurEngine
import AugurModels
import AugurSampling
import Foundation

/// Proposes draft trees for ``TreeSpeculativeStep``.
///
/// Same lifecycle as ``Drafter`` (begin / draft / accept), but a round proposes a ``DraftTree``
/// whose nodes follow the committed sequence instead of a single chain.
public protocol TreeDrafter: AnyObject {
    /// Starts a generation (see ``Drafter/begin(prompt:reusedPrefix:)``).
    func begin(prompt: [Int32], reusedPrefix: Int) throws
    /// A tree of at most `maxNodes` nodes after `context` (the committed sequence), or nil when the
    /// drafter has nothing to propose (the step then decodes one token plainly).
    func draftTree(context: [Int32], maxNodes: Int) throws -> DraftTree?
    /// Syncs to the committed sequence after verification.
    func accept(committed: [Int32]) throws
}

/// A draft model growing a dynamic top-k tree (EAGLE-2, Li et al. 2024, arXiv 2406.16858, §4) with
/// ``DynamicTreeBuilder``: each level's frontier is scored in ONE draft forward with tree attention
/// (``TreeLanguageModel/forwardTree(_:parents:cache:)``) over the trie of the frontier's prefixes.
///
/// The draft cache holds the committed sequence but its last token (like ``DraftModelDrafter``);
/// each level runs the last committed token and the trie of the requested prefixes after it, reads
/// q at the trie node ending each prefix, and truncates the cache back. A level therefore re-runs
/// the tree's upper levels (a few rows: cheaper than keeping scattered tree K/V addressable).
///
/// q at an expanded node is the softmax of the draft's raw logits at temperature 1, restricted to
/// its `topK` most likely tokens (enough for the builder, which only ranks and scores them). The
/// tree is deterministic (`ChildSampling.deterministic`): verifiers treat each child as a one-hot
/// proposal, so it is valid at any temperature.
///
/// With a `sampler` the drafter builds sampled multi-draft trees instead (SpecInfer §3; SpecTr):
/// ``SampledTreeBuilder`` draws `topK` children of the root from q (the draft sampler's processed
/// distribution, dense) and continues each as a sampled chain, `topK × d` nodes with
/// d = min(`depth`, budget / `topK`); q at every expanded node travels with the tree for the
/// sampling verifiers (RRS, Traversal). Draws come from the sampler's own seeded generator.
public final class DraftModelTreeDrafter: TreeDrafter {
    public let model: any TreeLanguageModel
    /// Children per expanded node and frontier width.
    public let topK: Int
    /// Deepest node (1 = children of the last committed token).
    public let depth: Int
    /// Sampled trees: the draft sampler (q and the draws) and how children are drawn; nil: top-k trees.
    public let sampled: (sampler: Sampler, sampling: ChildSampling)?
    /// Keeps the draft cache in step with the committed sequence (shared with chain drafting).
    private let chain: DraftModelDrafter
    /// The draft cache.
    public var cache: KVCache { chain.cache }

    /// - Parameters:
    ///   - model: the draft model (vocabulary compatible with the target's).
    ///   - capacity: draft cache positions (prompt + output + tree).
    ///   - topK, depth: ``DynamicTreeBuilder`` settings (≥ 1); for sampled trees, root children and
    ///     the deepest level.
    ///   - sampled: a draft sampler and `.withReplacement` or `.withoutReplacement` for sampled trees.
    public init(model: any TreeLanguageModel, capacity: Int, topK: Int, depth: Int,
                sampled: (sampler: Sampler, sampling: ChildSampling)? = nil) {
        self.model = model
        self.chain = DraftModelDrafter(model: model, capacity: capacity)
        self.topK = max(1, topK)
        self.depth = max(1, depth)
        self.sampled = sampled
    }

    public func begin(prompt: [Int32], reusedPrefix: Int) throws {
        try chain.begin(prompt: prompt, reusedPrefix: reusedPrefix)
    }

    public func accept(committed: [Int32]) throws {
        try chain.accept(committed: committed)
    }

    /// - Throws: `ModelError` of the draft model other than a full context (which yields nil).
    public func draftTree(context: [Int32], maxNodes: Int) throws -> DraftTree? {
        guard let last = context.last, maxNodes > 0 else { return nil }
        let base = context.count - 1
        let vocab = model.config.vocabSize
        do {
            try chain.sync(to: Array(context.dropLast()))
            if let (sampler, sampling) = sampled {
                let branches = min(topK, maxNodes)
                let levels = max(1, min(depth, maxNodes / branches))
                let builder = try SampledTreeBuilder(branching: [branches] + Array(repeating: 1, count: levels - 1),
                                                     sampling: sampling)
                return try builder.build(vocabularySize: vocab, oracle: { prefixes in
                    defer { self.cache.truncate(to: base) }
                    return try self.distributions(after: last, prefixes: prefixes) { row, prefix in
                        try row.withUnsafeBufferPointer { try sampler.distribution(logits: $0, history: context + prefix) }
                    }
                }, randomness: &sampler.rng)
            }
            let builder = try DynamicTreeBuilder(topK: topK, depth: depth, totalTokens: maxNodes)
            return try builder.build(vocabularySize: vocab) { prefixes in
                defer { self.cache.truncate(to: base) }
                return try self.distributions(after: last, prefixes: prefixes) { row, _ in
                    Self.topDistribution(row, count: self.topK, vocabularySize: vocab)
                }
            }
        } catch ModelError.contextFull {
            if cache.count > base { cache.truncate(to: base) }
            return nil
        }
    }

    /// q after `last` + each prefix, from one tree forward over the prefixes' trie; `q` turns a
    /// prefix's logits row into its distribution.
    private func distributions(after last: Int32, prefixes: [[Int32]],
                               q: (ArraySlice<Float>, [Int32]) throws -> TokenDistribution) throws -> [TokenDistribution] {
        var tokens: [Int32] = [last], parents = [-1]
        var childIndex: [[Int32: Int]] = [[:]]
        var ends: [Int] = []
        for prefix in prefixes {
            var node = 0
            for t in prefix {
                if let c = childIndex[node][t] { node = c; continue }
                tokens.append(t); parents.append(node); childIndex.append([:])
                childIndex[node][t] = tokens.count - 1
                node = tokens.count - 1
            }
            ends.append(node)
        }
        let rows = Array(Set(ends)).sorted()
        let logits = try model.forwardTree(tokens, parents: parents, cache: cache, logitRows: rows)
        return try zip(ends, prefixes).map { end, prefix in try q(logits.row(rows.firstIndex(of: end)!), prefix) }
    }

    /// The `count` most likely tokens of softmax(`logits`) (ids ascending), their probabilities
    /// normalised over the whole vocabulary.
    static func topDistribution(_ logits: ArraySlice<Float>, count: Int, vocabularySize: Int) -> TokenDistribution {
        var best = TopK<Int32>(capacity: count)
        var m = -Float.infinity
        for (i, l) in zip(logits.indices, logits) where l.isFinite {
            m = max(m, l)
            best.offer(Int32(i - logits.startIndex), key: l)
        }
        var sum: Double = 0
        for l in logits where l.isFinite { sum += exp(Double(l - m)) }
        let sorted = best.entries.sorted { $0.element < $1.element }
        return TokenDistribution(vocabularySize: vocabularySize, ids: sorted.map(\.element),
                                 probabilities: sorted.map { Float(exp(Double($0.key - m)) / sum) })
    }
}
