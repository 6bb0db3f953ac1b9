import AugurSampling

/// Non-negative weights over token ids, in Double: the working distributions the tree verifiers update
/// (residuals, removal of a drawn token). Either a view of a `TokenDistribution` (no copy: a dense
/// 150k-entry distribution costs one pass to sum it) or an explicit sparse list (ids ascending) for
/// residuals; either minus a short list of removed tokens. Entries are visited in ascending id order.
struct TreeWeights {
    private let base: TokenDistribution?
    private let ids: [Int32]
    private let weights: [Double]
    /// Tokens removed from the view (draws without replacement); their weight is 0.
    private var excluded: [Int32] = []
    /// Sum of the weights.
    private(set) var total: Double

    init(ids: [Int32], weights: [Double]) {
        base = nil
        self.ids = ids
        self.weights = weights
        total = weights.reduce(0, +)
    }

    /// A view of `distribution`'s probabilities.
    init(_ distribution: TokenDistribution) {
        base = distribution
        ids = []
        weights = []
        var sum = 0.0
        for p in distribution.probabilities { sum += Double(p) }
        total = sum
    }

    static func oneHot(_ token: Int32) -> TreeWeights { TreeWeights(ids: [token], weights: [1]) }

    var isEmpty: Bool { !(total > 0) }

    /// The weight of `token` (0 when absent or removed): O(1) for a dense view, O(log n) otherwise.
    func weight(of token: Int32) -> Double {
        if !excluded.isEmpty && excluded.contains(token) { return 0 }
        if let base { return Double(base.probability(of: token)) }
        var lo = 0, hi = ids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ids[mid] < token { lo = mid + 1 } else { hi = mid }
        }
        return lo < ids.count && ids[lo] == token ? weights[lo] : 0
    }

    /// Probability of `token` after normalization.
    func probability(of token: Int32) -> Double { total > 0 ? weight(of: token) / total : 0 }

    /// Calls `body` with every positive entry, ids ascending.
    private func forEachEntry(_ body: (Int32, Double) -> Void) {
        if let base {
            for i in 0..<base.count where base.probabilities[i] > 0 {
                let id = base.id(at: i)
                if excluded.isEmpty || !excluded.contains(id) { body(id, Double(base.probabilities[i])) }
            }
        } else {
            for (id, w) in zip(ids, weights) where w > 0 && (excluded.isEmpty || !excluded.contains(id)) { body(id, w) }
        }
    }

    /// max(0, scale · self − q) over self's support (self and q normalized first), and its total mass S.
    /// With `scale` 1 this is the unnormalized speculative-sampling residual. One pass over self's support.
    func residual(scale: Double, subtracting q: TreeWeights) -> (weights: TreeWeights, mass: Double) {
        var outIds: [Int32] = [], outW: [Double] = []
        var mass = 0.0
        let selfTotal = total
        forEachEntry { id, w in
            let r = scale * w / selfTotal - q.probability(of: id)
            if r > 0 { outIds.append(id); outW.append(r); mass += r }
        }
        return (TreeWeights(ids: outIds, weights: outW), mass)
    }

    /// The same weights with `token` removed (not renormalized; every use normalizes on read).
    func removing(_ token: Int32) -> TreeWeights {
        let w = weight(of: token)
        guard w > 0 else { return self }
        var copy = self
        copy.excluded.append(token)
        copy.total = max(0, total - w)
        return copy
    }

    /// One token drawn with probability proportional to its weight (inverse CDF in ascending id order).
    func sample<R: VerificationRandomness>(using randomness: inout R) -> Int32 {
        var entryIds: [Int32] = [], entryWeights: [Double] = []
        forEachEntry { id, w in entryIds.append(id); entryWeights.append(w) }
        return entryIds[randomness.categorical(entryWeights)]
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
