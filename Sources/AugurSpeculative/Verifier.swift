import AugurSampling

/// The outcome of verifying one chain of draft tokens against the target.
///
/// `emitted` is the accepted prefix of the draft followed by exactly one more token: the corrected
/// token drawn at the first rejected position, or the bonus token drawn from p_{k+1} when all k draft
/// tokens were accepted (vLLM's "accepted / recovered / bonus" tokens). So
/// `emitted.count == acceptedCount + 1` and one target forward pass yields `emitted.count` tokens.
public struct Verification: Sendable, Equatable {
    /// Number of draft tokens accepted, 0...k.
    public let acceptedCount: Int
    /// `draft[0..<acceptedCount]` followed by one corrected or bonus token.
    public let emitted: [Int32]

    public init(acceptedCount: Int, emitted: [Int32]) {
        self.acceptedCount = acceptedCount
        self.emitted = emitted
    }
}

/// Why a verifier refused its input.
public enum VerificationError: Error, Equatable, CustomStringConvertible {
    /// Verification needs one target distribution per draft token plus one after the last
    /// (`expected == draft.count + 1`).
    case targetCountMismatch(expected: Int, actual: Int)
    /// Speculative sampling needs one drafter distribution q_i per draft token.
    case draftDistributionCountMismatch(expected: Int, actual: Int)
    /// Greedy verification is only exact for greedy decoding (temperature 0); at temperature > 0 it
    /// would change the output distribution. Use `SpeculativeSamplingVerifier` instead.
    case greedyWithTemperature(Float)

    public var description: String {
        switch self {
        case .targetCountMismatch(let e, let a):
            return "verification needs \(e) target distributions (one per draft token plus one), got \(a)"
        case .draftDistributionCountMismatch(let e, let a):
            return "speculative sampling needs \(e) drafter distributions (one per draft token), got \(a)"
        case .greedyWithTemperature(let t):
            return "greedy verification is only exact at temperature 0, got temperature \(t)"
        }
    }
}

/// Accepts a prefix of a drafted chain against the target model's distributions.
///
/// Inputs for a chain of k draft tokens x_1..x_k:
/// - `draft`: x_1..x_k (k ≥ 0);
/// - `draftDistributions`: q_1..q_k, the drafter's processed distribution each x_i was drawn from
///   (one-hot for deterministic drafters such as n-gram lookup or greedy drafting);
/// - `targetDistributions`: p_1..p_{k+1}, the target's processed distributions (after the same
///   penalties, truncation and temperature as plain sampling): p_i at the position of x_i, that is
///   conditioned on the context and x_1..x_{i-1}; p_{k+1} conditioned on all k draft tokens.
///
/// The verifier draws all randomness from `rng`, so a run is reproducible from its seed. A verifier
/// never knows how the draft was produced (style: drafting and verification stay apart).
public protocol Verifier: Sendable {
    /// Verifies one chain; throws `VerificationError` when the counts do not fit together.
    func verify(draft: [Int32], draftDistributions: [TokenDistribution],
                targetDistributions: [TokenDistribution],
                rng: inout Xoshiro256StarStar) throws -> Verification
}

/// Which verification rule to use.
public enum VerificationMethod: String, Sendable, Codable, CaseIterable {
    /// Exact match with the target's argmax; only for temperature 0 (`GreedyVerifier`).
    case greedy
    /// Lossless rejection sampling (`SpeculativeSamplingVerifier`); exact at any temperature.
    case speculativeSampling
    /// `greedy` at temperature 0, `speculativeSampling` otherwise (trees: `traversal`).
    case automatic
    /// Recursive rejection sampling (SpecInfer) on trees; on a chain it is `speculativeSampling`.
    case rrs
    /// `rrs` on sampled trees drawn without replacement (Jeon et al. 2024): siblings are distinct, so
    /// a rejected token is never proposed again at that position. On chains and top-k trees: `rrs`.
    case rrsWithoutReplacement = "rrs-wor"
    /// Traversal Verification (arXiv 2505.12398) on trees; on a chain it is block verification
    /// (Sun et al. 2024), which accepts at least as much as token-level speculative sampling.
    case traversal
}

/// Picks the verifier that matches the sampling parameters.
///
/// - Throws: `VerificationError.greedyWithTemperature` when `method == .greedy` and
///   `parameters.temperature > 0`.
public func makeVerifier(for parameters: SamplingParameters,
                         method: VerificationMethod = .automatic) throws -> any Verifier {
    switch method {
    case .greedy: return try GreedyVerifier(parameters: parameters)
    case .speculativeSampling: return SpeculativeSamplingVerifier()
    case .automatic:
        return parameters.isGreedy ? GreedyVerifier() : SpeculativeSamplingVerifier()
    case .rrs, .rrsWithoutReplacement: return SpeculativeSamplingVerifier()
    case .traversal: return ChainTreeVerifier(TraversalVerifier())
    }
}

/// The tree verifier for `method`: `.automatic` is greedy at temperature 0 and Traversal
/// Verification otherwise; `.speculativeSampling` is recursive rejection sampling (its tree form).
/// - Throws: `TreeVerificationError.greedyWithTemperature` for `.greedy` at temperature > 0.
public func makeTreeVerifier(for parameters: SamplingParameters,
                             method: VerificationMethod = .automatic) throws -> any TreeVerifier {
    switch method {
    case .greedy: return try TreeGreedyVerifier(parameters: parameters)
    case .speculativeSampling, .rrs, .rrsWithoutReplacement: return RecursiveRejectionSamplingVerifier()
    case .traversal: return TraversalVerifier()
    case .automatic: return parameters.isGreedy ? TreeGreedyVerifier() : TraversalVerifier()
    }
}

/// A tree verifier applied to a chain draft (a one-branch ``DraftTree``): how `--verifier traversal`
/// verifies chains.
public struct ChainTreeVerifier: Verifier {
    public let tree: any TreeVerifier
    public init(_ tree: any TreeVerifier) { self.tree = tree }

    public func verify(draft: [Int32], draftDistributions: [TokenDistribution], targetDistributions: [TokenDistribution],
                       rng: inout Xoshiro256StarStar) throws -> Verification {
        let vocab = targetDistributions.first?.vocabularySize ?? 0
        let chain = try DraftTree.chain(draft, draftDistributions: draftDistributions, vocabularySize: vocab)
        let v = try tree.verify(tree: chain, targetDistributions: targetDistributions, rng: &rng)
        return Verification(acceptedCount: v.acceptedCount, emitted: v.emitted)
    }
}
