import Foundation
import XCTest
import AugurSampling
@testable import AugurSpeculative

/// Losslessness of speculative sampling (Leviathan et al. 2023, Theorem 3.5 / Appendix A.1): on toy
/// models over a 5-token vocabulary whose p and q depend on position and prefix, the first two tokens
/// the speculative loop emits must follow the target's chained distribution p(a) · p(b | a).
final class SpeculativeSamplingVerifierTests: XCTestCase {
    static let vocab = 5

    /// Softmax of `logits`, with `zero` forced to probability 0.
    private static func distribution(_ logits: [Double], zero: Int) -> TokenDistribution {
        let m = logits.max()!
        var e = logits.map { exp($0 - m) }
        e[zero] = 0
        let s = e.reduce(0, +)
        return TokenDistribution(dense: e.map { Float($0 / s) })
    }

    /// The toy target p(· | history): position- and prefix-dependent, one token impossible.
    static func target(_ h: [Int32]) -> TokenDistribution {
        let last = Double(h.last ?? 0), len = Double(h.count)
        let logits = (0..<vocab).map { j in 2 * sin(1.7 * Double(j) + 0.9 * last + 0.31 * len) }
        return distribution(logits, zero: (Int(last) * 2 + 1) % vocab)
    }

    /// The toy drafter q(· | history): different from p, with its own impossible token.
    static func drafter(_ h: [Int32]) -> TokenDistribution {
        let last = Double(h.last ?? 0), len = Double(h.count)
        let logits = (0..<vocab).map { j in 1.5 * cos(1.1 * Double(j) - 0.5 * last + 0.2 * len) }
        return distribution(logits, zero: (Int(last) + 3) % vocab)
    }

    enum DraftKind { case sampled, oneHot, equalsTarget }

    /// Runs speculative rounds of `k` draft tokens from `context` until two tokens are emitted,
    /// `samples` times, and returns counts over the 25 pairs (a, b), indexed a·V + b.
    static func pairCounts(verifier: some Verifier, k: Int, kind: DraftKind, samples: Int,
                           seed: UInt64, context: [Int32] = [1]) throws -> [Int] {
        var draftRng = Xoshiro256StarStar(seed: seed)
        var verifyRng = Xoshiro256StarStar(seed: seed &+ 0x9E37)
        var counts = [Int](repeating: 0, count: vocab * vocab)
        for _ in 0..<samples {
            var h = context
            var out: [Int32] = []
            while out.count < 2 {
                var draft: [Int32] = [], qs: [TokenDistribution] = [], ps: [TokenDistribution] = []
                for _ in 0..<k {
                    let q: TokenDistribution
                    switch kind {
                    case .sampled: q = drafter(h + draft)
                    case .oneHot: q = .oneHot(drafter(h + draft).mostLikely, vocabularySize: vocab)
                    case .equalsTarget: q = target(h + draft)
                    }
                    ps.append(target(h + draft))
                    qs.append(q)
                    draft.append(q.sample(using: &draftRng))
                }
                ps.append(target(h + draft))
                let v = try verifier.verify(draft: draft, draftDistributions: qs, targetDistributions: ps, rng: &verifyRng)
                XCTAssertEqual(v.emitted.count, v.acceptedCount + 1)
                XCTAssertEqual(Array(v.emitted.prefix(v.acceptedCount)), Array(draft.prefix(v.acceptedCount)))
                if kind == .equalsTarget { XCTAssertEqual(v.acceptedCount, k) }
                out += v.emitted
                h += v.emitted
            }
            counts[Int(out[0]) * vocab + Int(out[1])] += 1
        }
        return counts
    }

    /// Exact p(a | context) · p(b | context, a).
    static func exactPairs(context: [Int32] = [1]) -> [Double] {
        let p0 = target(context)
        var probs: [Double] = []
        for a in 0..<vocab {
            let p1 = target(context + [Int32(a)])
            for b in 0..<vocab { probs.append(Double(p0.probability(of: Int32(a))) * Double(p1.probability(of: Int32(b)))) }
        }
        return probs
    }

    private func chiSquare(_ verifier: some Verifier, k: Int, kind: DraftKind = .sampled,
                           samples: Int = 20_000, seed: UInt64) throws -> ChiSquare.Result {
        let counts = try Self.pairCounts(verifier: verifier, k: k, kind: kind, samples: samples, seed: seed)
        let r = ChiSquare.test(observed: counts, expected: Self.exactPairs())
        print(String(format: "chi-square %@ k=%d %@: %.2f (df %d, critical %.2f at p = 0.001)",
                     String(describing: type(of: verifier)), k, "\(kind)", r.statistic, r.degreesOfFreedom, r.critical))
        return r
    }

    func testCriticalValueMatchesTables() {
        // Standard tables: χ²(0.999; 1) = 10.828, χ²(0.999; 10) = 29.588, χ²(0.999; 24) = 51.179.
        XCTAssertEqual(ChiSquare.criticalValue(degreesOfFreedom: 1, alpha: 0.001), 10.828, accuracy: 0.01)
        XCTAssertEqual(ChiSquare.criticalValue(degreesOfFreedom: 10, alpha: 0.001), 29.588, accuracy: 0.01)
        XCTAssertEqual(ChiSquare.criticalValue(degreesOfFreedom: 24, alpha: 0.001), 51.179, accuracy: 0.01)
    }

    func testLosslessForSampledDrafts() throws {
        for k in 1...3 {
            let r = try chiSquare(SpeculativeSamplingVerifier(), k: k, seed: 100 + UInt64(k))
            XCTAssertFalse(r.rejects, "k = \(k): χ² = \(r.statistic) > \(r.critical)")
        }
    }

    func testLosslessForOneHotDrafts() throws {
        for k in [1, 3] {
            let r = try chiSquare(SpeculativeSamplingVerifier(), k: k, kind: .oneHot, seed: 200 + UInt64(k))
            XCTAssertFalse(r.rejects, "k = \(k): χ² = \(r.statistic) > \(r.critical)")
        }
    }

    func testDraftEqualToTargetIsAlwaysAcceptedAndLossless() throws {
        let r = try chiSquare(SpeculativeSamplingVerifier(), k: 2, kind: .equalsTarget, samples: 5_000, seed: 300)
        XCTAssertFalse(r.rejects)
    }

    /// The same test must reject verifiers that are subtly wrong, or it proves nothing.
    func testRejectsBiasedVerifiers() throws {
        for k in 1...2 {
            let fromP = try chiSquare(ResampleFromTargetVerifier(), k: k, seed: 400 + UInt64(k))
            XCTAssertTrue(fromP.rejects, "residual taken from p instead of max(0, p − q) went unnoticed")
            let ignoreQ = try chiSquare(AcceptWithTargetProbabilityVerifier(), k: k, seed: 500 + UInt64(k))
            XCTAssertTrue(ignoreQ.rejects, "acceptance with p(x) instead of min(1, p/q) went unnoticed")
        }
        // The bonus token is among the first two emitted tokens only when k = 1.
        let staleBonus = try chiSquare(StaleBonusVerifier(), k: 1, seed: 601)
        XCTAssertTrue(staleBonus.rejects, "bonus drawn from p_k instead of p_{k+1} went unnoticed")
    }

    /// P(accept x_1) = Σ_x min(p(x), q(x)) (Leviathan et al. 2023, definition 3.1: α = 1 − D_LK(p, q)).
    func testFirstPositionAcceptanceRate() throws {
        let p = Self.target([1]), q = Self.drafter([1])
        let expected = (0..<Self.vocab).reduce(0.0) { $0 + Double(min(p.probability(of: Int32($1)), q.probability(of: Int32($1)))) }
        var draftRng = Xoshiro256StarStar(seed: 7), verifyRng = Xoshiro256StarStar(seed: 8)
        let n = 20_000
        var accepted = 0
        for _ in 0..<n {
            let x = q.sample(using: &draftRng)
            let v = try SpeculativeSamplingVerifier().verify(
                draft: [x], draftDistributions: [q], targetDistributions: [p, Self.target([1, x])], rng: &verifyRng)
            accepted += v.acceptedCount
        }
        let sigma = (expected * (1 - expected) / Double(n)).squareRoot()
        XCTAssertEqual(Double(accepted) / Double(n), expected, accuracy: 4.5 * sigma)
        XCTAssertLessThan(expected, 0.95)  // the toy drafter must actually disagree with the target
    }

    func testResidualSemantics() throws {
        let p = TokenDistribution(dense: [0.5, 0.3, 0.2, 0])
        let fromOneHot = try XCTUnwrap(p.residual(subtracting: .oneHot(0, vocabularySize: 4)))
        XCTAssertEqual(fromOneHot.probability(of: 0), 0)
        XCTAssertEqual(fromOneHot.probability(of: 1), 0.6, accuracy: 1e-6)
        XCTAssertEqual(fromOneHot.probability(of: 2), 0.4, accuracy: 1e-6)
        XCTAssertNil(p.residual(subtracting: p))
        let q = TokenDistribution(dense: [0.2, 0.5, 0.1, 0.2])
        let r = try XCTUnwrap(p.residual(subtracting: q))  // max(0, p − q) = [0.3, 0, 0.1, 0] → [0.75, 0, 0.25, 0]
        XCTAssertEqual(r.probability(of: 0), 0.75, accuracy: 1e-6)
        XCTAssertEqual(r.probability(of: 2), 0.25, accuracy: 1e-6)
        XCTAssertEqual(r.probability(of: 1) + r.probability(of: 3), 0)
    }

    func testImpossibleDraftTokenIsRejectedAndCountsAreChecked() throws {
        var rng = Xoshiro256StarStar(seed: 3)
        let p = TokenDistribution(dense: [0, 0.5, 0.5])
        let q = TokenDistribution.oneHot(0, vocabularySize: 3)
        for _ in 0..<50 {
            let v = try SpeculativeSamplingVerifier().verify(draft: [0], draftDistributions: [q], targetDistributions: [p, p], rng: &rng)
            XCTAssertEqual(v.acceptedCount, 0)
            XCTAssertNotEqual(v.emitted[0], 0)
        }
        XCTAssertThrowsError(try SpeculativeSamplingVerifier().verify(draft: [0], draftDistributions: [], targetDistributions: [p, p], rng: &rng)) {
            XCTAssertEqual($0 as? VerificationError, .draftDistributionCountMismatch(expected: 1, actual: 0))
        }
        XCTAssertThrowsError(try SpeculativeSamplingVerifier().verify(draft: [0], draftDistributions: [q], targetDistributions: [p], rng: &rng)) {
            XCTAssertEqual($0 as? VerificationError, .targetCountMismatch(expected: 2, actual: 1))
        }
    }
}

/// Biased on purpose: after a rejection it samples p instead of norm(max(0, p − q)).
struct ResampleFromTargetVerifier: Verifier {
    func verify(draft: [Int32], draftDistributions: [TokenDistribution], targetDistributions: [TokenDistribution],
                rng: inout Xoshiro256StarStar) throws -> Verification {
        for (i, x) in draft.enumerated() {
            let px = Double(targetDistributions[i].probability(of: x)), qx = Double(draftDistributions[i].probability(of: x))
            if rng.nextDouble() * qx < px { continue }
            return Verification(acceptedCount: i, emitted: Array(draft[..<i]) + [targetDistributions[i].sample(using: &rng)])
        }
        return Verification(acceptedCount: draft.count, emitted: draft + [targetDistributions[draft.count].sample(using: &rng)])
    }
}

/// Biased on purpose: accepts with probability p(x) (correct only for one-hot q), correct residual.
struct AcceptWithTargetProbabilityVerifier: Verifier {
    func verify(draft: [Int32], draftDistributions: [TokenDistribution], targetDistributions: [TokenDistribution],
                rng: inout Xoshiro256StarStar) throws -> Verification {
        for (i, x) in draft.enumerated() {
            let p = targetDistributions[i]
            if rng.nextDouble() < Double(p.probability(of: x)) { continue }
            let residual = p.residual(subtracting: draftDistributions[i]) ?? p
            return Verification(acceptedCount: i, emitted: Array(draft[..<i]) + [residual.sample(using: &rng)])
        }
        return Verification(acceptedCount: draft.count, emitted: draft + [targetDistributions[draft.count].sample(using: &rng)])
    }
}

/// Biased on purpose (an off-by-one): the bonus token is drawn from p_k instead of p_{k+1}.
struct StaleBonusVerifier: Verifier {
    func verify(draft: [Int32], draftDistributions: [TokenDistribution], targetDistributions: [TokenDistribution],
                rng: inout Xoshiro256StarStar) throws -> Verification {
        let v = try SpeculativeSamplingVerifier().verify(draft: draft, draftDistributions: draftDistributions,
                                                         targetDistributions: targetDistributions, rng: &rng)
        guard v.acceptedCount == draft.count, draft.count > 0 else { return v }
        return Verification(acceptedCount: v.acceptedCount,
                            emitted: draft + [targetDistributions[draft.count - 1].sample(using: &rng)])
    }
}
