import AugurSampling

/// Greedy verification: keeps the longest prefix of the draft that equals the target's argmax.
///
/// For i = 1..k, x_i is accepted while x_i == argmax p_i (ties to the lowest id, like the greedy
/// sampler). The emitted extra token is argmax p_{a+1}, where a is the number accepted: the
/// correction at the first mismatch, or the bonus token when all k matched. The output is token for
/// token what plain greedy decoding of the target produces (Leviathan et al. 2023, section 2, with
/// temperature 0; Stern et al. 2018, "Blockwise Parallel Decoding"). Consumes no randomness and
/// ignores the drafter's distributions.
///
/// Exact only at temperature 0: `init(parameters:)` refuses temperature > 0.
public struct GreedyVerifier: Verifier {
    public init() {}

    /// - Throws: `VerificationError.greedyWithTemperature` when `parameters.temperature > 0`.
    public init(parameters: SamplingParameters) throws {
        guard parameters.isGreedy else { throw VerificationError.greedyWithTemperature(parameters.temperature) }
    }

    /// See `Verifier.verify`. `draftDistributions` may be empty (it is not read).
    /// - Throws: `VerificationError.targetCountMismatch` unless `targetDistributions.count == draft.count + 1`.
    public func verify(draft: [Int32], draftDistributions: [TokenDistribution],
                       targetDistributions: [TokenDistribution],
                       rng: inout Xoshiro256StarStar) throws -> Verification {
        guard targetDistributions.count == draft.count + 1 else {
            throw VerificationError.targetCountMismatch(expected: draft.count + 1, actual: targetDistributions.count)
        }
        var emitted: [Int32] = []
        emitted.reserveCapacity(draft.count + 1)
        for (i, x) in draft.enumerated() {
            let best = targetDistributions[i].mostLikely
            emitted.append(best)
            if best != x { return Verification(acceptedCount: i, emitted: emitted) }
        }
        emitted.append(targetDistributions[draft.count].mostLikely)
        return Verification(acceptedCount: draft.count, emitted: emitted)
    }
}
