import AugurSampling

/// Non-negative weights over token ids, ids ascending, in Double: the working distributions the tree
/// verifiers update (residuals, renormalization after removing a drawn token). Only positive weights are
/// stored, so a truncated distribution (top-k, top-p) costs its support, not the vocabulary.
struct TreeWeights: Equatable {
    private(set) var ids: [Int32]
    private(set) var weights: [Double]

    init(ids: [Int32], weights: [Double]) {
        self.ids = ids
        self.weights = weights
    }

    /// The positive entries of `distribution`.
    init(_ distribution: TokenDistribution) {
        var ids: [Int32] = [], weights: [Double] = []
        for i in 0..<distribution.count where distribution.probabilities[i] > 0 {
            ids.append(distribution.id(at: i))
            weights.append(Double(distribution.probabilities[i]))
        }
        self.init(ids: ids, weights: weights)
    }

    static func oneHot(_ token: Int32) -> TreeWeights { TreeWeights(ids: [token], weights: [1]) }

    var total: Double { weights.reduce(0, +) }
    var isEmpty: Bool { ids.isEmpty }

    /// The weight of `token` (0 when absent), O(log n).
    func weight(of token: Int32) -> Double {
        var lo = 0, hi = ids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ids[mid] < token { lo = mid + 1 } else { hi = mid }
        }
        return lo < ids.count && ids[lo] == token ? weights[lo] : 0
    }

    /// Probability of `token` after normalization.
    func probability(of token: Int32) -> Double {
        let t = total
        return t > 0 ? weight(of: token) / t : 0
    }

    /// Weights scaled to sum to 1 (unchanged when the sum is 0).
    func normalized() -> TreeWeights {
        let t = total
        guard t > 0 else { return self }
        return TreeWeights(ids: ids, weights: weights.map { $0 / t })
    }

    /// max(0, scale · self − q) over self's support (q normalized first), and its total mass S.
    /// With `scale` 1 and normalized self this is the unnormalized speculative-sampling residual.
    func residual(scale: Double, subtracting q: TreeWeights) -> (weights: TreeWeights, mass: Double) {
        let selfTotal = total, qTotal = q.total
        var outIds: [Int32] = [], outW: [Double] = []
        var mass = 0.0
        for (id, w) in zip(ids, weights) {
            let r = scale * w / selfTotal - (qTotal > 0 ? q.weight(of: id) / qTotal : 0)
            if r > 0 { outIds.append(id); outW.append(r); mass += r }
        }
        return (TreeWeights(ids: outIds, weights: outW), mass)
    }

    /// The same weights with `token` removed (not renormalized; every use normalizes on read).
    func removing(_ token: Int32) -> TreeWeights {
        guard let i = ids.firstIndex(of: token) else { return self }
        var copy = self
        copy.ids.remove(at: i)
        copy.weights.remove(at: i)
        return copy
    }

    /// One token drawn with probability proportional to its weight.
    func sample<R: VerificationRandomness>(using randomness: inout R) -> Int32 {
        ids[randomness.categorical(weights)]
    }

    /// The proposal distribution of each sibling in `siblings`, in draw order: sibling j was drawn from
    /// `q` (with replacement), from `q` minus siblings 1..j−1 (without replacement), or is one-hot on
    /// itself (deterministic). `q` is nil only for deterministic trees.
    static func proposals(q: TokenDistribution?, siblings: [Int32], sampling: ChildSampling) -> [TreeWeights] {
        switch sampling {
        case .deterministic:
            return siblings.map { oneHot($0) }
        case .withReplacement:
            let w = TreeWeights(q!)
            return siblings.map { _ in w }
        case .withoutReplacement:
            var w = TreeWeights(q!)
            var out: [TreeWeights] = []
            for s in siblings {
                out.append(w)
                w = w.removing(s)
            }
            return out
        }
    }
}
