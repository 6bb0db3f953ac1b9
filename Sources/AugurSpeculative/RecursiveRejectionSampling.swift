import AugurSampling

/// Recursive rejection sampling (RRS) on a draft tree: token-level, top-down verification, lossless at any
/// temperature (SpecInfer, Miao et al. 2024, arXiv 2305.09781, section 4.2 "multi-step speculative
/// sampling"; without replacement: Jeon et al. 2024, "Recursive Speculative Decoding", arXiv 2402.14160,
/// section 3; SpecTr, Sun et al. 2023, arXiv 2310.15141).
///
/// Starting at the root with p = the target's distribution there, the children c_1..c_m of the current
/// position are tried in draw order. Child j, drawn from proposal q_j, is accepted with probability
/// min(1, p(c_j) / q_j(c_j)). On acceptance verification descends into c_j with p reset to the target's
/// distribution after c_j. On rejection p ← norm(max(0, p − q_j)) and the next sibling is tried. When
/// every child is rejected one token is drawn from the final residual; at an accepted leaf a bonus token
/// is drawn from the target's p there.
///
/// The proposals q_j follow `DraftTree.sampling`:
/// - with replacement: q_j = q for every sibling (SpecInfer);
/// - without replacement: q_j = q minus c_1..c_{j−1}, renormalized. The residual for a rejected c_j is
///   taken with the q_j that proposed it, and only then is c_j removed for the next sibling; the
///   reverse order is biased (the test of the test checks that it is caught);
/// - deterministic (top-k trees, EAGLE): q_j = one-hot(c_j): accept with probability p(c_j); on
///   rejection p ← p without c_j, renormalized. This is sampling without replacement from p, exact.
///
/// Randomness: one `bernoulli` per examined child, one `categorical` for the final token.
public struct RecursiveRejectionSamplingVerifier: TreeVerifier {
    /// Deliberate mistakes, for the tests that check the losslessness tests can fail.
    enum Fault: Sendable {
        /// On rejection, keep p instead of taking the residual.
        case residualFromTarget
        /// Without replacement: remove the rejected token from q before taking the residual.
        case removeBeforeResidual
    }

    var fault: Fault?

    public var name: String { "rrs" }

    public init() {}

    init(fault: Fault?) { self.fault = fault }

    /// See `TreeVerifier.verify`. Accepts trees of every `ChildSampling`.
    /// - Throws: `TreeVerificationError.targetCountMismatch` unless `targetDistributions.count == tree.count + 1`.
    public func verify<R: VerificationRandomness>(tree: DraftTree, targetDistributions: [TokenDistribution],
                                                  randomness: inout R) throws -> TreeVerification {
        try checkCounts(tree, targetDistributions)
        var path: [Int] = []
        var position = 0
        while true {
            var p = TreeWeights(targetDistributions[position])
            let children = tree.childLists[position]
            let proposals = children.isEmpty ? [] : TreeWeights.proposals(
                q: tree.draftDistributions[position], siblings: children.map { tree.nodes[$0].token },
                sampling: tree.sampling)
            var accepted: Int?
            for (j, child) in children.enumerated() {
                let x = tree.nodes[child].token
                let q = proposals[j]
                let px = p.probability(of: x), qx = q.probability(of: x)
                if randomness.bernoulli(qx > 0 ? px / qx : (px > 0 ? 1 : 0)) {
                    accepted = child
                    break
                }
                switch fault {
                case .residualFromTarget?: continue
                case .removeBeforeResidual?:
                    let r = p.residual(scale: 1, subtracting: q.removing(x))
                    if r.mass > 0 { p = r.weights }
                case nil:
                    let r = p.residual(scale: 1, subtracting: q)
                    if r.mass > 0 { p = r.weights }  // mass 0 only through rounding when p ≈ q
                }
            }
            guard let child = accepted else {
                return TreeVerification(acceptedPath: path, acceptedTokens: path.map { tree.nodes[$0].token },
                                        extraToken: p.sample(using: &randomness))
            }
            path.append(child)
            position = child + 1
        }
    }
}
