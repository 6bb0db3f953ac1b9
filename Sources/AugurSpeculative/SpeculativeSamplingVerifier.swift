import AugurSampling

/// Speculative sampling on a chain: lossless rejection sampling of the draft against the target
/// (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative Decoding",
/// arXiv 2211.17192, Algorithm 1; Chen et al. 2023, "Accelerating Large Language Model Decoding with
/// Speculative Sampling", arXiv 2302.01318, Algorithm 2).
///
/// For i = 1..k: draw u ~ U[0, 1) and accept x_i iff u < p_i(x_i) / q_i(x_i), i.e. with probability
/// min(1, p_i(x_i) / q_i(x_i)). At the first rejection emit one token from the residual
/// norm(max(0, p_i − q_i)) and stop. If all k are accepted, emit a bonus token from p_{k+1}.
/// Each emitted token is then distributed exactly as p given the tokens before it, whatever q is:
/// P(emit y) = min(p(y), q(y)) + (1 − Σ_z min(p(z), q(z))) · max(0, p(y) − q(y)) / Σ_z max(0, p(z) − q(z)) = p(y).
///
/// Special cases:
/// - one-hot q (deterministic drafter): accept with probability p(x); the residual is p with x
///   removed, renormalized;
/// - q == p: every draft token is accepted (p/q = 1);
/// - q(x) == 0 for a drafted x (the drafter reported a distribution it did not sample from): the
///   ratio is taken as +∞, so x is accepted iff p(x) > 0;
/// - zero residual mass at a rejection: only possible through float rounding when p ≈ q; the token
///   is then drawn from p itself.
///
/// Randomness: one `nextDouble()` per examined draft token plus one for the emitted extra token.
public struct SpeculativeSamplingVerifier: Verifier {
    public init() {}

    /// See `Verifier.verify`.
    /// - Throws: `VerificationError` unless `draftDistributions.count == draft.count` and
    ///   `targetDistributions.count == draft.count + 1`.
    public func verify(draft: [Int32], draftDistributions: [TokenDistribution],
                       targetDistributions: [TokenDistribution],
                       rng: inout Xoshiro256StarStar) throws -> Verification {
        let k = draft.count
        guard targetDistributions.count == k + 1 else {
            throw VerificationError.targetCountMismatch(expected: k + 1, actual: targetDistributions.count)
        }
        guard draftDistributions.count == k else {
            throw VerificationError.draftDistributionCountMismatch(expected: k, actual: draftDistributions.count)
        }
        var emitted: [Int32] = []
        emitted.reserveCapacity(k + 1)
        for i in 0..<k {
            let x = draft[i]
            let p = targetDistributions[i]
            let q = draftDistributions[i]
            let px = Double(p.probability(of: x))
            let qx = Double(q.probability(of: x))
            let u = rng.nextDouble()
            // u < px / qx without dividing; qx == 0 accepts whenever px > 0.
            if u * qx < px {
                emitted.append(x)
                continue
            }
            let residual = p.residual(subtracting: q) ?? p
            emitted.append(residual.sample(using: &rng))
            return Verification(acceptedCount: i, emitted: emitted)
        }
        emitted.append(targetDistributions[k].sample(using: &rng))
        return Verification(acceptedCount: k, emitted: emitted)
    }
}
