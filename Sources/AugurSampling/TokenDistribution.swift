/// A probability distribution over token ids: the processed distribution a token was sampled from.
///
/// Exact, not approximate: every id outside the stored support has probability 0. Two layouts:
/// - dense: one probability per vocabulary id (no truncation filter was active);
/// - sparse: the kept candidates, ids ascending, with their probabilities.
///
/// Speculative sampling (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative
/// Decoding", Algorithm 1; Chen et al. 2023) needs p(x) for arbitrary x (`probability(of:)`) and the
/// residual distribution norm(max(0, p − q)) (`residual(subtracting:)`).
public struct TokenDistribution: Sendable, Equatable {
    /// Size of the vocabulary the ids index.
    public let vocabularySize: Int
    /// Sparse layout: the ids with stored probabilities, ascending. Empty in the dense layout.
    public let ids: [Int32]
    /// Probabilities: parallel to `ids` (sparse) or indexed by id (dense). Sum to 1 up to rounding.
    public let probabilities: [Float]

    /// A dense distribution: `probabilities[id]` for every id in the vocabulary.
    public init(dense probabilities: [Float]) {
        vocabularySize = probabilities.count
        ids = []
        self.probabilities = probabilities
    }

    /// A sparse distribution over `ids` (must be ascending, unique, `< vocabularySize`).
    public init(vocabularySize: Int, ids: [Int32], probabilities: [Float]) {
        precondition(ids.count == probabilities.count, "ids and probabilities differ in length")
        self.vocabularySize = vocabularySize
        self.ids = ids
        self.probabilities = probabilities
    }

    /// All mass on `token`: what greedy decoding samples from.
    public static func oneHot(_ token: Int32, vocabularySize: Int) -> TokenDistribution {
        TokenDistribution(vocabularySize: vocabularySize, ids: [token], probabilities: [1])
    }

    /// Whether probabilities are stored for every id.
    public var isDense: Bool { ids.isEmpty && probabilities.count == vocabularySize && vocabularySize > 0 }

    /// Number of stored entries (vocabulary size when dense).
    public var count: Int { probabilities.count }

    /// The id of stored entry `i` (0 ≤ i < count).
    @inline(__always) public func id(at i: Int) -> Int32 { isDense ? Int32(i) : ids[i] }

    /// p(token); 0 for ids outside the support or the vocabulary. O(1) dense, O(log n) sparse.
    public func probability(of token: Int32) -> Float {
        if isDense {
            return token >= 0 && Int(token) < count ? probabilities[Int(token)] : 0
        }
        var lo = 0, hi = ids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ids[mid] < token { lo = mid + 1 } else { hi = mid }
        }
        return lo < ids.count && ids[lo] == token ? probabilities[lo] : 0
    }

    /// The id with the largest probability (ties to the lowest id).
    public var mostLikely: Int32 {
        var best = 0
        for i in 1..<max(1, count) where probabilities[i] > probabilities[best] { best = i }
        return id(at: best)
    }

    /// Inverse-CDF lookup: walks ids in ascending order and returns the first whose cumulative
    /// probability exceeds `u` × total mass. `u` in [0, 1); ids with zero probability are never returned.
    public func token(atCumulative u: Double) -> Int32 {
        var total = 0.0
        for p in probabilities { total += Double(p) }
        let target = u * total
        var cumulative = 0.0
        var lastPositive = -1
        for i in 0..<count where probabilities[i] > 0 {
            cumulative += Double(probabilities[i])
            lastPositive = i
            if target < cumulative { return id(at: i) }
        }
        return id(at: max(0, lastPositive))  // only reached through rounding at u ≈ 1
    }

    /// Draws one token, consuming one `nextDouble()` from `rng`.
    public func sample(using rng: inout Xoshiro256StarStar) -> Int32 {
        token(atCumulative: rng.nextDouble())
    }

    /// norm(max(0, self − q)): where speculative sampling resamples after rejecting a draft token
    /// (Leviathan et al. 2023, section 2.3). Nil when self ≤ q everywhere (then self == q, and the
    /// rejection that calls for a residual has probability 0).
    public func residual(subtracting q: TokenDistribution) -> TokenDistribution? {
        var outIds: [Int32] = []
        var outP: [Float] = []
        var total: Double = 0
        for i in 0..<count {
            let id = id(at: i)
            let r = probabilities[i] - q.probability(of: id)
            if r > 0 { outIds.append(id); outP.append(r); total += Double(r) }
        }
        guard total > 0 else { return nil }
        let scale = Float(1 / total)
        return TokenDistribution(vocabularySize: vocabularySize, ids: outIds, probabilities: outP.map { $0 * scale })
    }
}

/// A sampled token and the processed distribution it was drawn from.
public struct SampledToken: Sendable, Equatable {
    public let token: Int32
    /// The full processed distribution (after penalties, truncation and temperature).
    public let probabilities: TokenDistribution

    public init(token: Int32, probabilities: TokenDistribution) {
        self.token = token
        self.probabilities = probabilities
    }

    /// p(token) under the distribution it was drawn from.
    public var probability: Float { probabilities.probability(of: token) }
}
