import AugurSampling
import Foundation

/// Builds a dynamic top-k draft tree from the drafter's confidence (EAGLE-2, Li et al. 2024,
/// arXiv 2406.16858, section 4: "expansion" and "reranking"; kept in EAGLE-3, arXiv 2503.01840).
///
/// Every node is scored by its cumulative draft log-probability (sum of log q along its path).
/// 1. Expansion: the root gets the `topK` most likely tokens of q(· | committed). For depths 2…`depth`,
///    the current frontier (at most `topK` nodes) is scored in one oracle call, each frontier node
///    proposes its `topK` most likely children, and the `topK` best of those new nodes by score become
///    the next frontier. Every generated node stays a candidate.
/// 2. Reranking: all candidates are sorted by score, best first, and the best `totalTokens` are kept.
///    Scores never rise along a path (log q ≤ 0), but a child with q = 1 (or a log-probability lost to
///    rounding) ties its parent: ties go to the shallower node, then to the earlier generated one, so
///    the parent always ranks first and the kept set is always a tree.
///
/// Deterministic: the result has `sampling == .deterministic` (each child a one-hot proposal), which
/// every tree verifier accepts. Kept nodes are ordered by rank (parents before children; siblings by
/// descending q). `draftDistributions` holds q at each kept position that was expanded.
public struct DynamicTreeBuilder: Sendable {
    /// Children proposed per expanded node, and frontier width.
    public let topK: Int
    /// Maximum node depth (1 = children of the committed last token).
    public let depth: Int
    /// Nodes kept after reranking (the root excluded).
    public let totalTokens: Int

    /// - Throws: `DraftTreeBuilderError.invalidSetting` when any setting is below 1.
    public init(topK: Int, depth: Int, totalTokens: Int) throws {
        for (name, value) in [("topK", topK), ("depth", depth), ("totalTokens", totalTokens)] where value < 1 {
            throw DraftTreeBuilderError.invalidSetting(name: name, value: value, minimum: 1)
        }
        self.topK = topK
        self.depth = depth
        self.totalTokens = totalTokens
    }

    private struct Candidate {
        let token: Int32
        let parent: Int      // candidate index, −1 = root
        let depth: Int
        let score: Double
        var prefix: [Int32]
    }

    /// Drafts one tree with `depth` oracle calls at most (one per level).
    /// - Throws: the oracle's errors; `DraftTreeBuilderError.oracleCountMismatch`.
    public func build(vocabularySize: Int, oracle: DraftOracle) throws -> DraftTree {
        var candidates: [Candidate] = []
        var expanded: [Int: TokenDistribution] = [:]     // candidate index (−1 = root) → its q
        var frontier = [-1]
        for level in 1...depth {
            let answers = try ask(oracle, frontier.map { $0 < 0 ? [] : candidates[$0].prefix })
            var layer: [Int] = []
            for (f, q) in zip(frontier, answers) {
                expanded[f] = q
                let base = f < 0 ? 0 : candidates[f].score
                for (token, probability) in Self.mostLikely(q, count: topK) {
                    layer.append(candidates.count)
                    candidates.append(Candidate(token: token, parent: f, depth: level,
                                                score: base + log(Double(probability)),
                                                prefix: (f < 0 ? [] : candidates[f].prefix) + [token]))
                }
            }
            // Best topK of the new layer by score; ties to the earlier generated (stable order).
            frontier = layer.sorted { candidates[$0].score > candidates[$1].score || (candidates[$0].score == candidates[$1].score && $0 < $1) }
                .prefix(topK).map { $0 }
            if frontier.isEmpty { break }
        }
        let ranked = candidates.indices.sorted { a, b in
            let ca = candidates[a], cb = candidates[b]
            if ca.score != cb.score { return ca.score > cb.score }
            if ca.depth != cb.depth { return ca.depth < cb.depth }
            return a < b
        }
        var newIndex = [Int: Int]()
        var nodes: [DraftTree.Node] = []
        var qs: [TokenDistribution?] = [expanded[-1]]
        for c in ranked where nodes.count < totalTokens {
            let cand = candidates[c]
            // With ties broken toward shallower nodes the parent is always kept first; skipping an orphan
            // is a guard against NaN scores, not a path taken by valid distributions.
            guard cand.parent < 0 || newIndex[cand.parent] != nil else { continue }
            newIndex[c] = nodes.count
            nodes.append(DraftTree.Node(token: cand.token, parent: cand.parent < 0 ? -1 : newIndex[cand.parent]!,
                                        logProbability: cand.score))
            qs.append(expanded[c])
        }
        return try DraftTree(vocabularySize: vocabularySize, nodes: nodes, draftDistributions: qs,
                             sampling: .deterministic, maxDepth: depth)
    }

    /// The `count` most likely tokens of `q` with positive probability, most likely first (ties to the
    /// lower id). O(support · count).
    static func mostLikely(_ q: TokenDistribution, count: Int) -> [(token: Int32, probability: Float)] {
        // ids ascend, so an equal probability goes after the ones already kept.
        var best = TopK<Int32>(capacity: count)
        for i in 0..<q.count where q.probabilities[i] > 0 { best.offer(q.id(at: i), key: q.probabilities[i]) }
        return best.entries.map { (token: $0.element, probability: $0.key) }
    }
}
