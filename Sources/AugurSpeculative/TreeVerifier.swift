import AugurSampling

/// The outcome of verifying one `DraftTree`: an accepted root-to-node path and one more token.
///
/// `extraToken` is the bonus token (drawn from the target's distribution after the last accepted node
/// when verification ends by accepting a path) or the corrected token (drawn from a residual). So one
/// target pass yields `acceptedTokens.count + 1` tokens, `emitted`.
public struct TreeVerification: Sendable, Equatable {
    /// Accepted node indices, root to deepest (empty when no drafted token was accepted).
    public let acceptedPath: [Int]
    /// The tokens of `acceptedPath`.
    public let acceptedTokens: [Int32]
    /// The bonus or corrected token that follows the accepted path.
    public let extraToken: Int32

    public init(acceptedPath: [Int], acceptedTokens: [Int32], extraToken: Int32) {
        self.acceptedPath = acceptedPath
        self.acceptedTokens = acceptedTokens
        self.extraToken = extraToken
    }

    /// Number of accepted draft tokens (the depth of the accepted node).
    public var acceptedCount: Int { acceptedPath.count }
    /// `acceptedTokens + [extraToken]`: what this pass commits.
    public var emitted: [Int32] { acceptedTokens + [extraToken] }
}

/// Why a tree verifier refused its input.
public enum TreeVerificationError: Error, Equatable, CustomStringConvertible {
    /// Tree verification needs one target distribution per position: root + one per node.
    case targetCountMismatch(expected: Int, actual: Int)
    /// Greedy tree verification is exact only at temperature 0.
    case greedyWithTemperature(Float)
    /// The verifier cannot verify trees whose children were drawn this way.
    case unsupportedSampling(verifier: String, sampling: ChildSampling)

    public var description: String {
        switch self {
        case .targetCountMismatch(let e, let a):
            return "tree verification needs \(e) target distributions (root + one per node), got \(a)"
        case .greedyWithTemperature(let t):
            return "greedy tree verification is only exact at temperature 0, got temperature \(t)"
        case .unsupportedSampling(let v, let s):
            return "\(v) cannot verify a draft tree drawn \(s.rawValue)"
        }
    }
}

/// The random decisions a verifier (or a sampled tree builder) makes, behind one seam so that tests can
/// enumerate every outcome with its exact probability instead of sampling.
public protocol VerificationRandomness {
    /// True with probability `probability` (≤ 0: never; ≥ 1: always).
    mutating func bernoulli(_ probability: Double) -> Bool
    /// An index i with probability `weights[i] / Σ weights`; weights are ≥ 0 with a positive sum.
    mutating func categorical(_ weights: [Double]) -> Int
}

extension Xoshiro256StarStar: VerificationRandomness {
    /// u ~ U[0, 1), true iff u < probability: one `nextDouble()`.
    public mutating func bernoulli(_ probability: Double) -> Bool { nextDouble() < probability }

    /// Inverse CDF over `weights` in index order: one `nextDouble()`; zero weights are never returned.
    public mutating func categorical(_ weights: [Double]) -> Int {
        let target = nextDouble() * weights.reduce(0, +)
        var cumulative = 0.0, lastPositive = 0
        for (i, w) in weights.enumerated() where w > 0 {
            cumulative += w
            lastPositive = i
            if target < cumulative { return i }
        }
        return lastPositive  // only through rounding at u ≈ 1
    }
}

/// Accepts one root-to-node path of a `DraftTree` against the target's distributions.
///
/// Inputs:
/// - `tree`: the drafted tokens, their parents, how siblings were drawn and the q they were drawn from;
/// - `targetDistributions`: n + 1 processed target distributions (same penalties, truncation and
///   temperature as plain sampling): entry 0 for the token after the committed sequence, entry i + 1
///   for the token after node i's path. Row r of the tree-attention batch `[root] + nodes`.
/// - `randomness`: the source of every random decision (`Xoshiro256StarStar` in production).
///
/// Losslessness (for the sampling verifiers): `emitted` followed by ordinary sampling is distributed
/// exactly as ordinary sampling from the target, whatever the drafter's q.
public protocol TreeVerifier: Sendable {
    /// A short name for errors and reports ("greedy", "rrs", "traversal").
    var name: String { get }

    /// Verifies one tree.
    /// - Throws: `TreeVerificationError` when the counts do not fit or the tree's sampling is unsupported.
    func verify<R: VerificationRandomness>(tree: DraftTree, targetDistributions: [TokenDistribution],
                                           randomness: inout R) throws -> TreeVerification
}

extension TreeVerifier {
    /// `verify(tree:targetDistributions:randomness:)` with the generator used in production.
    public func verify(tree: DraftTree, targetDistributions: [TokenDistribution],
                       rng: inout Xoshiro256StarStar) throws -> TreeVerification {
        try verify(tree: tree, targetDistributions: targetDistributions, randomness: &rng)
    }

    func checkCounts(_ tree: DraftTree, _ targetDistributions: [TokenDistribution]) throws {
        guard targetDistributions.count == tree.count + 1 else {
            throw TreeVerificationError.targetCountMismatch(expected: tree.count + 1, actual: targetDistributions.count)
        }
    }
}
