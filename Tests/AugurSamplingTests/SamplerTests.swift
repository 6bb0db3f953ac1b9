import Foundation
import XCTest
@testable import AugurSampling

final class SamplerTests: XCTestCase {
    /// Eight tokens with distinct, well-spread logits.
    private let logits: [Float] = [1.0, 2.5, 0.2, 2.0, -1.0, 1.5, 0.7, 3.0]

    func testGreedyTakesTheArgmaxLowestIdOnTiesAndLeavesTheRNGAlone() throws {
        let s = try Sampler(parameters: .greedy)
        let before = s.rng
        let out = try s.sample(logits: [0.5, 2, 2, -1])
        XCTAssertEqual(out.token, 1)
        XCTAssertEqual(out.probabilities, .oneHot(1, vocabularySize: 4))
        XCTAssertEqual(out.probability, 1)
        XCTAssertEqual(s.rng, before)
    }

    func testRepetitionPenaltyCanChangeTheGreedyToken() throws {
        let s = try Sampler(parameters: SamplingParameters(repeatPenalty: 1.5))
        XCTAssertEqual(try s.sample(logits: logits, history: [7]).token, 1, "3.0 / 1.5 = 2.0 < 2.5")
        XCTAssertEqual(try s.sample(logits: logits, history: [7, 1]).token, 3, "2.5 / 1.5 < 2.0")
    }

    /// Without truncation the distribution is dense: exactly softmax(logits / T).
    func testUntruncatedDistributionIsTheDenseSoftmax() throws {
        let s = try Sampler(parameters: SamplingParameters(temperature: 0.5))
        let d = try s.distribution(logits: logits)
        XCTAssertTrue(d.isDense)
        let e = logits.map { exp(Double($0) / 0.5) }, z = e.reduce(0, +)
        for i in 0..<8 { XCTAssertEqual(Double(d.probability(of: Int32(i))), e[i] / z, accuracy: 1e-6) }
    }

    /// The chain order: top-k, then top-p on the renormalised survivors, then min-p, then temperature.
    func testChainOrderMatchesLlamaCpp() throws {
        // top-k 4 keeps ids 7 (3.0), 1 (2.5), 3 (2.0), 5 (1.5).
        let kept: [Int32] = [7, 1, 3, 5]
        let w = kept.map { exp(Double(logits[Int($0)])) }, z = w.reduce(0, +)
        let p1 = w.map { $0 / z }  // ≈ 0.464, 0.281, 0.171, 0.104 (renormalised within the top 4)
        // top-p 0.7: 0.464 < 0.7 ≤ 0.745 → ids 7, 1. (Over all 8 tokens the first two hold less than 0.7.)
        XCTAssertLessThan(p1[0], 0.7)
        XCTAssertGreaterThanOrEqual(p1[0] + p1[1], 0.7)
        let s = try Sampler(parameters: SamplingParameters(temperature: 2, topK: 4, topP: 0.7, seed: 1))
        let d = try s.distribution(logits: logits)
        XCTAssertEqual(d.ids, [1, 7])
        // Temperature last: softmax of the two logits at T = 2.
        let a = exp(2.5 / 2.0), b = exp(3.0 / 2.0)
        XCTAssertEqual(Double(d.probability(of: 7)), b / (a + b), accuracy: 1e-6)

        // min-p 0.5 after top-k: p ≥ 0.5·p(7) keeps 7 (1.0) and 1 (e^-0.5 ≈ 0.61), not 3 (e^-1 ≈ 0.37).
        let m = try Sampler(parameters: SamplingParameters(temperature: 1, topK: 4, minP: 0.5)).distribution(logits: logits)
        XCTAssertEqual(m.ids, [1, 7])
    }

    func testProcessorsMaskBeforeSamplingAndRollBack() throws {
        let ban = SuppressTokensProcessor(tokens: [7, 1], untilCount: 2)
        let s = try Sampler(parameters: .greedy, processors: [ban])
        XCTAssertEqual(try s.sample(logits: logits).token, 3)
        s.accept(3)
        XCTAssertEqual(try s.sample(logits: logits).token, 3)
        s.accept(3)
        XCTAssertEqual(try s.sample(logits: logits).token, 7, "ban lifted after 2 accepted tokens")
        s.rollback(to: 1)
        XCTAssertEqual(ban.acceptedCount, 1)
        XCTAssertEqual(try s.sample(logits: logits).token, 3, "rolled back: banned again")

        let all = SuppressTokensProcessor(tokens: Array(0..<8))
        XCTAssertThrowsError(try Sampler(parameters: .greedy, processors: [all]).sample(logits: logits)) {
            XCTAssertEqual($0 as? SamplingError, .noViableToken)
        }
        XCTAssertThrowsError(try Sampler(parameters: .init(temperature: 1, topP: 0.5)).sample(logits: [-.infinity, .nan]))
    }

    func testSameSeedSameTokensDifferentSeedDifferentTokens() throws {
        func run(_ seed: UInt64) throws -> [Int32] {
            let s = try Sampler(parameters: SamplingParameters(temperature: 1.5, topK: 6, topP: 0.95, seed: seed))
            var history: [Int32] = []
            for _ in 0..<200 { history.append(try s.sample(logits: logits, history: history).token) }
            return history
        }
        XCTAssertEqual(try run(42), try run(42))
        XCTAssertNotEqual(try run(42), try run(43))
    }

    /// Cost per token at Qwen's vocabulary size (151,936); printed for the record, bounded loosely.
    func testCostAtRealVocabularySize() throws {
        var rng = Xoshiro256StarStar(seed: 1)
        var big = (0..<151_936).map { _ in Float((rng.nextDouble() + rng.nextDouble() - 1) * 6) }
        for i in 0..<20 { big[i * 7000] = 12 + Float(i) * 0.3 }
        let history = (0..<64).map { Int32($0 * 100) }
        for (name, p) in [("greedy", SamplingParameters()), ("T=0.8 dense", SamplingParameters(temperature: 0.8)),
                          ("T=0.8 top-p 0.95", SamplingParameters(temperature: 0.8, topP: 0.95)),
                          ("T=0.8 k40 p.95 min-p.05 rp1.1", SamplingParameters(temperature: 0.8, topK: 40, topP: 0.95,
                                                                              minP: 0.05, repeatPenalty: 1.1))] {
            let s = try Sampler(parameters: p)
            var best = Double.infinity
            for _ in 0..<5 {
                let t0 = Date()
                _ = try s.sample(logits: big, history: history)
                best = min(best, Date().timeIntervalSince(t0))
            }
            print("sampler \(name): \(String(format: "%.2f", best * 1000)) ms/token")
            XCTAssertLessThan(best, 0.05)
        }
    }

    // MARK: - Chi-square goodness of fit

    /// Pearson's χ² of `counts` against probabilities `p` (categories with p = 0 must have count 0).
    private func chiSquare(_ counts: [Int], _ p: [Double]) -> (chi2: Double, df: Int) {
        let n = Double(counts.reduce(0, +))
        var chi2 = 0.0, categories = 0
        for (c, q) in zip(counts, p) {
            if q == 0 { if c > 0 { return (.infinity, 0) }; continue }
            chi2 += pow(Double(c) - n * q, 2) / (n * q)
            categories += 1
        }
        return (chi2, categories - 1)
    }

    /// χ² critical values at significance 0.001 (upper tail), by degrees of freedom.
    private let critical001: [Int: Double] = [3: 16.27, 4: 18.47, 5: 20.52, 6: 22.46, 7: 24.32]

    private let chiParameters = SamplingParameters(temperature: 0.8, topK: 6, seed: 2024)
    private let draws = 40_000

    /// Frequencies of the real sampler fit the processed distribution it reports.
    func testSampledFrequenciesFollowTheProcessedDistribution() throws {
        let s = try Sampler(parameters: chiParameters)
        let d = try s.distribution(logits: logits)
        var counts = [Int](repeating: 0, count: 8)
        for _ in 0..<draws { counts[Int(try s.sample(logits: logits).token)] += 1 }
        let expected = (0..<8).map { Double(d.probability(of: Int32($0))) }
        let (chi2, df) = chiSquare(counts, expected)
        XCTAssertEqual(df, 5)
        XCTAssertLessThan(chi2, critical001[df]!, "counts \(counts)")
        XCTAssertEqual(counts[4] + counts[2], 0, "tokens cut by top-k are never drawn")
    }

    /// The same test rejects deliberately biased samplers, so it has the power to catch real bugs.
    func testChiSquareRejectsBiasedSamplers() throws {
        let s = try Sampler(parameters: chiParameters)
        let d = try s.distribution(logits: logits)
        let expected = (0..<8).map { Double(d.probability(of: Int32($0))) }

        // Bug 1: temperature forgotten (draws from the T = 1 distribution of the same candidates).
        let noTemp = try Sampler(parameters: SamplingParameters(temperature: 1, topK: 6, seed: 2024))
        var counts = [Int](repeating: 0, count: 8)
        for _ in 0..<draws { counts[Int(try noTemp.sample(logits: logits).token)] += 1 }
        var (chi2, df) = chiSquare(counts, expected)
        XCTAssertGreaterThan(chi2, critical001[df]!, "forgotten temperature must be detected")

        // Bug 2: a uniform variate with only 3 bits of resolution.
        var rng = Xoshiro256StarStar(seed: 2024)
        counts = [Int](repeating: 0, count: 8)
        for _ in 0..<draws {
            let coarse = (rng.nextDouble() * 8).rounded(.down) / 8
            counts[Int(d.token(atCumulative: coarse))] += 1
        }
        (chi2, df) = chiSquare(counts, expected)
        XCTAssertGreaterThan(chi2, critical001[df] ?? 0, "coarse uniforms must be detected")
    }
}
