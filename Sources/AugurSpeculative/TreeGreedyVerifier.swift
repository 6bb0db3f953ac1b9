import AugurSampling

/// Greedy tree verification: accepts the deepest root-to-node path whose every token equals the target's
/// argmax at its parent, then emits the argmax after that path.
///
/// At each position the only child that can match is one whose token is argmax p (ties to the lowest
/// id, like the greedy sampler). Repeated tokens among siblings (trees drawn with replacement) can give
/// several matching children: the one with the deepest matching path wins, ties to the earliest drawn.
/// The output is token for token what plain greedy decoding of the target produces (SpecInfer,
/// arXiv 2305.09781, section 4.1, greedy case; Medusa, arXiv 2401.10774, section 2.3.1). Consumes no
/// randomness, accepts every kind of tree, ignores q.
public struct TreeGreedyVerifier: TreeVerifier {
    public var name: String { "greedy" }

    public init() {}

    /// - Throws: `TreeVerificationError.greedyWithTemperature` when `parameters.temperature > 0`.
    public init(parameters: SamplingParameters) throws {
        guard parameters.isGreedy else { throw TreeVerificationError.greedyWithTemperature(parameters.temperature) }
    }

    /// See `TreeVerifier.verify`.
    /// - Throws: `TreeVerificationError.targetCountMismatch` unless `targetDistributions.count == tree.count + 1`.
    public func verify<R: VerificationRandomness>(tree: DraftTree, targetDistributions: [TokenDistribution],
                                                  randomness: inout R) throws -> TreeVerification {
        try checkCounts(tree, targetDistributions)
        let argmax = targetDistributions.map(\.mostLikely)
        // Matching depth below each node, computed children first (reverse topological order).
        var best = [Int](repeating: 0, count: tree.count)       // matched nodes on the best path from node i, i included
        var bestChild = [Int](repeating: -1, count: tree.count + 1)
        func pick(_ position: Int) -> (child: Int, length: Int) {
            var choice = -1, length = 0
            for c in tree.childLists[position] where tree.nodes[c].token == argmax[position] && best[c] > length {
                choice = c; length = best[c]
            }
            return (choice, length)
        }
        for i in tree.nodes.indices.reversed() {
            let (child, length) = pick(i + 1)
            bestChild[i + 1] = child
            best[i] = 1 + length
        }
        bestChild[0] = pick(0).child
        var path: [Int] = []
        var position = 0
        while bestChild[position] >= 0 {
            let node = bestChild[position]
            path.append(node)
            position = node + 1
        }
        return TreeVerification(acceptedPath: path, acceptedTokens: path.map { tree.nodes[$0].token },
                                extraToken: argmax[position])
    }
}
