import AugurSampling

/// Traversal Verification (Weng et al. 2025, "Traversal Verification for Speculative Tree Decoding",
/// NeurIPS 2025, arXiv 2505.12398, section 3 and Algorithm 1): sequence-level, leaf-to-root verification
/// of a draft tree, lossless at any temperature.
///
/// Every position β carries an acceptance value π_β and a working target distribution p_β (initially
/// the target's distribution after β). π_root = 1; for child α of β, drawn from proposal q_α,
/// π_α = min(1, π_β · p_β(x_α) / q_α(x_α)): the probability of accepting the whole path through α.
/// Then repeatedly:
/// 1. walk down from the last touched position, always into the first surviving child (siblings in draw
///    order), to a leaf α (a node with no surviving children; not necessarily the deepest);
/// 2. with probability π_α accept the path root → α and emit one token from p_α (the bonus when α's
///    subtree was never touched, a residual otherwise); stop;
/// 3. otherwise delete α. At its parent β: S = Σ_x max(0, π_β p_β(x) − q_α(x)),
///    p_β ← norm(max(0, π_β p_β − q_α)), π_β ← S / (S + 1 − π_β) (kept at π_β when that is 0/0), and the
///    next sibling's proposal follows `DraftTree.sampling` (q again; q minus the deleted token,
///    renormalized; or one-hot on the next sibling); the remaining subtree of β is re-scored from the new
///    π_β and p_β as it is visited. Continue at 1 from β.
/// π_root stays 1 (S / S), so the loop always ends, at the latest by accepting the empty path and drawing
/// from the root's residual. On a single chain this is block verification (Sun et al. 2024, "Block
/// Verification Accelerates Speculative Decoding", arXiv 2403.10444, Algorithm 2), which is optimal in
/// expected accepted length; tests check that equivalence on exact output distributions.
///
/// Accepts trees of every `ChildSampling` (the tests enumerate all three exactly). What to expect:
/// - sampled trees (with or without replacement): expected accepted length ≥ RRS's, in expectation
///   over the draft (on the toy enumeration +1.7 % τ on average, up to +8.9 %). For one fixed tree it
///   can accept less than RRS (about a quarter of the enumerated toy trees): the guarantee is not per tree;
/// - deterministic (top-k) trees: with one-hot proposals the output distribution is exactly RRS's
///   (π along a path is the product of target probabilities), so there is no gain there.
///
/// Randomness: one `bernoulli` per visited leaf, one `categorical` for the emitted token.
public struct TraversalVerifier: TreeVerifier {
    /// Deliberate mistakes, for the tests that check the losslessness tests can fail.
    enum Fault: Sendable {
        /// After deleting a child, keep π_β instead of S / (S + 1 − π_β).
        case stalePi
        /// After deleting a child, keep p_β instead of the scaled residual.
        case staleTarget
    }

    var fault: Fault?

    public var name: String { "traversal" }

    public init() {}

    init(fault: Fault?) { self.fault = fault }

    /// See `TreeVerifier.verify`.
    /// - Throws: `TreeVerificationError.targetCountMismatch` unless `targetDistributions.count == tree.count + 1`.
    public func verify<R: VerificationRandomness>(tree: DraftTree, targetDistributions: [TokenDistribution],
                                                  randomness: inout R) throws -> TreeVerification {
        try checkCounts(tree, targetDistributions)
        let positions = tree.count + 1
        var pi = [Double](repeating: 1, count: positions)
        var p = [TreeWeights?](repeating: nil, count: positions)
        var proposals = [[TreeWeights]?](repeating: nil, count: positions)
        var nextChild = [Int](repeating: 0, count: positions)   // first surviving child, index into childLists
        func parentPosition(_ position: Int) -> Int { tree.nodes[position - 1].parent + 1 }
        func proposal(_ position: Int, _ j: Int) -> TreeWeights {
            if proposals[position] == nil {
                proposals[position] = TreeWeights.proposals(
                    q: tree.draftDistributions[position],
                    siblings: tree.childLists[position].map { tree.nodes[$0].token }, sampling: tree.sampling)
            }
            return proposals[position]![j]
        }

        p[0] = TreeWeights(targetDistributions[0])
        var current = 0
        while true {
            // 1. Down to the first surviving leaf, scoring each node on the way.
            while nextChild[current] < tree.childLists[current].count {
                let j = nextChild[current]
                let child = tree.childLists[current][j]
                let x = tree.nodes[child].token
                let px = p[current]!.probability(of: x), qx = proposal(current, j).probability(of: x)
                let ratio = qx > 0 ? px / qx : (px > 0 ? Double.infinity : 0)
                pi[child + 1] = min(1, pi[current] * ratio)
                p[child + 1] = TreeWeights(targetDistributions[child + 1])
                current = child + 1
            }
            // 2. Accept the whole path to this leaf with probability π.
            if randomness.bernoulli(pi[current]) {
                let path = current == 0 ? [] : tree.path(to: current - 1)
                return TreeVerification(acceptedPath: path, acceptedTokens: path.map { tree.nodes[$0].token },
                                        extraToken: p[current]!.sample(using: &randomness))
            }
            // 3. Delete the leaf; update its parent (never reached at the root, whose π is 1).
            precondition(current > 0, "traversal verification rejected the root (π_root must stay 1)")
            let beta = parentPosition(current)
            let q = proposal(beta, nextChild[beta])
            let r = p[beta]!.residual(scale: pi[beta], subtracting: q)
            if fault != .staleTarget, r.mass > 0 { p[beta] = r.weights }
            // S + (1 − π), not S + 1 − π: at π = 1 this is exactly S, so π_root stays exactly 1.
            let denominator = r.mass + (1 - pi[beta])
            if fault != .stalePi, beta > 0, denominator > 0 { pi[beta] = r.mass / denominator }
            nextChild[beta] += 1
            current = beta
        }
    }
}
