import Foundation
import XCTest
@testable import AugurSampling

/// Each filter on small distributions whose answer is known by hand.
final class LogitFiltersTests: XCTestCase {
    /// Logits whose temperature-1 softmax is exactly `probs` (they sum to 1).
    private func logits(_ probs: [Double]) -> [Float] { probs.map { Float(log($0)) } }

    func testRepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        var l: [Float] = [2, -1, 0.5, 3, 0]
        l.withUnsafeMutableBufferPointer {
            // Token 1 appears twice (penalised once), 9 is outside the vocabulary, 4 has logit 0.
            LogitFilters.applyRepetitionPenalty($0, history: [0, 1, 1, 9, 4] as [Int32], lastN: 64, penalty: 2)
        }
        XCTAssertEqual(l, [1, -2, 0.5, 3, 0])

        var w: [Float] = [2, -1, 0.5, 3]
        w.withUnsafeMutableBufferPointer {
            LogitFilters.applyRepetitionPenalty($0, history: [3, 0, 1, 2] as [Int32], lastN: 2, penalty: 4)
        }
        XCTAssertEqual(w, [2, -4, 0.125, 3], "only the last 2 tokens count")

        var all: [Float] = [2, 2]
        all.withUnsafeMutableBufferPointer {
            LogitFilters.applyRepetitionPenalty($0, history: [0, 1] as [Int32], lastN: -1, penalty: 2)
        }
        XCTAssertEqual(all, [1, 1])
        var none: [Float] = [2, 2]
        none.withUnsafeMutableBufferPointer {
            LogitFilters.applyRepetitionPenalty($0, history: [0, 1] as [Int32], lastN: 0, penalty: 2)
        }
        XCTAssertEqual(none, [2, 2])
    }

    func testArgmaxBreaksTiesTowardTheLowestIdAndSkipsNaN() {
        let l: [Float] = [.nan, 1, 3, 3, -.infinity]
        XCTAssertEqual(l.withUnsafeBufferPointer { LogitFilters.argmax($0) }, 2)
        let dead: [Float] = [-.infinity, .nan]
        XCTAssertNil(dead.withUnsafeBufferPointer { LogitFilters.argmax($0) })
    }

    func testTopKKeepsTheKBestBestFirst() {
        let l: [Float] = [1, 3, 3, 2, -.infinity, .nan, 0.5]
        let k2 = l.withUnsafeBufferPointer { LogitFilters.topK($0, k: 2) }
        XCTAssertEqual(k2, TokenCandidates(ids: [1, 2], logits: [3, 3]))
        let k3 = l.withUnsafeBufferPointer { LogitFilters.topK($0, k: 3) }
        XCTAssertEqual(k3.ids, [1, 2, 3])
        let k9 = l.withUnsafeBufferPointer { LogitFilters.topK($0, k: 9) }
        XCTAssertEqual(k9.ids, [1, 2, 3, 0, 6], "non-viable logits are never candidates")
        // Against a full sort on a larger random vector.
        var rng = Xoshiro256StarStar(seed: 5)
        let big = (0..<5000).map { _ in Float(Int(rng.nextDouble() * 200)) / 10 }  // many ties
        let expected = big.indices.sorted { big[$0] > big[$1] || (big[$0] == big[$1] && $0 < $1) }.prefix(40).map(Int32.init)
        XCTAssertEqual(big.withUnsafeBufferPointer { LogitFilters.topK($0, k: 40) }.ids, Array(expected))
    }

    func testTopPKeepsTheShortestPrefixReachingP() {
        let c = TokenCandidates(ids: [3, 1, 0, 2], logits: logits([0.5, 0.3, 0.15, 0.05]))
        XCTAssertEqual(LogitFilters.topP(sorted: c, p: 0.4).ids, [3])
        XCTAssertEqual(LogitFilters.topP(sorted: c, p: 0.75).ids, [3, 1])
        XCTAssertEqual(LogitFilters.topP(sorted: c, p: 0.81).ids, [3, 1, 0])
        XCTAssertEqual(LogitFilters.topP(sorted: c, p: 0.99).ids, [3, 1, 0, 2])
        XCTAssertEqual(LogitFilters.topP(sorted: c, p: 1).ids, [3, 1, 0, 2])
    }

    /// The threshold search over a whole vocabulary must equal top-p on the fully sorted vocabulary,
    /// also for flat distributions where the nucleus holds tiny probabilities.
    func testDenseTopPMatchesSortedTopP() {
        var rng = Xoshiro256StarStar(seed: 11)
        for (n, spread) in [(50, 8.0), (20000, 12.0), (20000, 0.01), (3000, 0)] {
            let l = (0..<n).map { _ in Float(rng.nextDouble() * spread) }
            for p: Float in [0.1, 0.5, 0.9, 0.95, 0.999] {
                let dense = l.withUnsafeBufferPointer { LogitFilters.topP($0, p: p) }
                let all = l.withUnsafeBufferPointer { LogitFilters.sortedBestFirst(LogitFilters.allCandidates($0)) }
                XCTAssertEqual(dense, LogitFilters.topP(sorted: all, p: p), "n \(n) spread \(spread) p \(p)")
            }
        }
    }

    func testMinPKeepsTokensAboveAFractionOfTheBest() {
        let c = TokenCandidates(ids: [0, 1, 2, 3], logits: logits([0.15, 0.5, 0.05, 0.3]))
        XCTAssertEqual(LogitFilters.minP(c, minP: 0.25).ids, [0, 1, 3], "p ≥ 0.125")
        XCTAssertEqual(LogitFilters.minP(c, minP: 0.5).ids, [1, 3], "p ≥ 0.25, order kept")
        XCTAssertEqual(LogitFilters.minP(c, minP: 1).ids, [1])
        XCTAssertEqual(LogitFilters.minP(c, minP: 0).ids, [0, 1, 2, 3])
        // The whole-vocabulary variant agrees with the candidate variant.
        var rng = Xoshiro256StarStar(seed: 2)
        let l = (0..<3000).map { _ in Float(rng.nextDouble() * 10) } + [-.infinity, .nan]
        for m: Float in [0.01, 0.2, 0.9] {
            let dense = l.withUnsafeBufferPointer { LogitFilters.minP($0, minP: m) }
            XCTAssertEqual(dense, LogitFilters.minP(l.withUnsafeBufferPointer { LogitFilters.allCandidates($0) }, minP: m))
            XCTAssertFalse(dense.ids.isEmpty)
        }
    }

    func testTemperatureSoftmax() {
        let c = TokenCandidates(ids: [7, 2, 5], logits: logits([1.0 / 7, 2.0 / 7, 4.0 / 7]))
        let t1 = LogitFilters.softmax(c, temperature: 1, vocabularySize: 10)
        XCTAssertEqual(t1.ids, [2, 5, 7], "sparse ids ascending")
        assertClose(t1.probabilities, [2.0 / 7, 4.0 / 7, 1.0 / 7])
        // T = 0.5 squares the ratios: 1 : 4 : 16.
        let t05 = LogitFilters.softmax(c, temperature: 0.5, vocabularySize: 10)
        assertClose(t05.probabilities, [4.0 / 21, 16.0 / 21, 1.0 / 21])
        // T = 2 takes square roots.
        let t2 = LogitFilters.softmax(c, temperature: 2, vocabularySize: 10)
        let r = [sqrt(2.0), 2, 1], s = r.reduce(0, +)
        assertClose(t2.probabilities, r.map { $0 / s })
        // Dense: masked ids get exactly 0.
        let l: [Float] = [0, -.infinity, Float(log(3.0))]
        let d = l.withUnsafeBufferPointer { LogitFilters.softmax($0, temperature: 1) }
        XCTAssertTrue(d.isDense)
        assertClose(d.probabilities, [0.25, 0, 0.75])
    }

    func testDistributionLookupAndInverseCDF() {
        let d = TokenDistribution(vocabularySize: 100, ids: [3, 10, 42], probabilities: [0.25, 0.5, 0.25])
        XCTAssertEqual(d.probability(of: 10), 0.5)
        XCTAssertEqual(d.probability(of: 11), 0)
        XCTAssertEqual(d.probability(of: -1), 0)
        XCTAssertEqual(d.mostLikely, 10)
        XCTAssertEqual([0, 0.2499, 0.25, 0.7499, 0.75, 0.9999].map { d.token(atCumulative: $0) }, [3, 3, 10, 10, 42, 42])
        let dense = TokenDistribution(dense: [0, 0.5, 0, 0.5])
        XCTAssertEqual([0, 0.49, 0.5, 0.99].map { dense.token(atCumulative: $0) }, [1, 1, 3, 3], "zero-mass ids never drawn")
        XCTAssertEqual(dense.probability(of: 3), 0.5)
        XCTAssertEqual(dense.probability(of: 4), 0)
    }

    /// norm(max(0, p − q)) from speculative sampling, on a hand-computed case.
    func testResidualDistribution() throws {
        let p = TokenDistribution(dense: [0.5, 0.3, 0.2, 0])
        let q = TokenDistribution(vocabularySize: 4, ids: [0, 3], probabilities: [0.7, 0.3])
        let r = try XCTUnwrap(p.residual(subtracting: q))
        XCTAssertEqual(r.ids, [1, 2])
        assertClose(r.probabilities, [0.6, 0.4])
        XCTAssertNil(p.residual(subtracting: p))
    }

    private func assertClose(_ a: [Float], _ b: [Double], tolerance: Double = 1e-6, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(Double(x), y, accuracy: tolerance, file: file, line: line) }
    }
}
