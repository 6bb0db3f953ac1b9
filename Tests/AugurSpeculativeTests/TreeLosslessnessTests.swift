import AugurSampling
import Dispatch
import XCTest
@testable import AugurSpeculative

/// Sampled losslessness of the tree verifiers (SpecInfer, arXiv 2305.09781, Theorem 4.2; Traversal
/// Verification, arXiv 2505.12398, Theorem 3.2): on toy target/draft models over 5 tokens whose
/// distributions depend on position and prefix, rounds of "draft a random tree, verify it" are run
/// until 3 tokens are emitted, and the joint distribution of those 3 tokens is compared with the
/// target's exact joint by Pearson's chi-square test (p = 0.001). Every round draws a fresh random shape
/// (depth ≤ 4, branching ≤ 3, ≤ 10 nodes; top-k trees: random topK, depth, size). Deliberately wrong
/// verifiers must be rejected by the same test.
final class TreeLosslessnessTests: XCTestCase {
    static let models = TreeToyModels(vocab: 5)
    static let context: [Int32] = [1]
    static let emittedLength = 3
    static let samples = 20_000

    enum TreeKind { case sampled(ChildSampling), topK }

    /// Counts of the first `emittedLength` tokens, and the mean accepted length per round.
    static func observed(kind: TreeKind, verifier: some TreeVerifier, seed: UInt64) throws -> (counts: [[Int32]: Int], meanAccepted: Double) {
        var shapeRng = Xoshiro256StarStar(seed: seed)
        var draftRng = Xoshiro256StarStar(seed: seed &+ 0x51)
        var verifyRng = Xoshiro256StarStar(seed: seed &+ 0x9E37)
        var counts: [[Int32]: Int] = [:]
        var accepted = 0, rounds = 0
        for _ in 0..<samples {
            var out: [Int32] = []
            while out.count < emittedLength {
                let history = context + out
                let oracle = models.oracle(context: history)
                let tree: DraftTree
                switch kind {
                case .sampled(let sampling):
                    let shape = randomShape(maxDepth: 4, maxBranching: 3, maxNodes: 10, using: &shapeRng)
                    tree = try SampledTreeBuilder(shape: shape, sampling: sampling)
                        .build(vocabularySize: models.vocab, oracle: oracle, randomness: &draftRng)
                case .topK:
                    tree = try DynamicTreeBuilder(topK: Int.random(in: 1...3, using: &shapeRng),
                                                  depth: Int.random(in: 1...4, using: &shapeRng),
                                                  totalTokens: Int.random(in: 1...10, using: &shapeRng))
                        .build(vocabularySize: models.vocab, oracle: oracle)
                }
                let v = try verifier.verify(tree: tree, targetDistributions: models.targets(for: tree, context: history),
                                            randomness: &verifyRng)
                out += v.emitted
                accepted += v.acceptedCount; rounds += 1
            }
            counts[Array(out.prefix(emittedLength)), default: 0] += 1
        }
        return (counts, Double(accepted) / Double(rounds))
    }

    /// Pearson's test against the exact joint; outcomes of probability 0 count as impossible.
    static func check(kind: TreeKind, verifier: some TreeVerifier, label: String, seed: UInt64 = 7)
        throws -> (result: ChiSquare.Result, impossible: Int) {
        let t0 = DispatchTime.now()
        let (counts, meanAccepted) = try observed(kind: kind, verifier: verifier, seed: seed)
        let expected = models.exactJoint(context: context, length: emittedLength)
        let keys = expected.keys.sorted { $0.lexicographicallyPrecedes($1) }
        let impossible = counts.filter { expected[$0.key] == nil }.values.reduce(0, +)
        let result = ChiSquare.test(observed: keys.map { counts[$0, default: 0] }, expected: keys.map { expected[$0]! })
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
        print(String(format: "tree χ² %@: χ² = %.1f, df %d, critical %.1f (p = 0.001), %d outcomes, %d impossible, "
                     + "mean accepted %.3f, N = %d, %.2f s", label, result.statistic, result.degreesOfFreedom,
                     result.critical, expected.count, impossible, meanAccepted, samples, seconds))
        return (result, impossible)
    }

    private func assertLossless(_ kind: TreeKind, _ verifier: some TreeVerifier, _ label: String) throws {
        let (result, impossible) = try Self.check(kind: kind, verifier: verifier, label: label)
        XCTAssertEqual(impossible, 0, label)
        XCTAssertGreaterThan(result.degreesOfFreedom, 30, "too few cells for a meaningful test")
        XCTAssertFalse(result.rejects, "\(label): χ² = \(result.statistic) > \(result.critical)")
    }

    private func assertRejected(_ kind: TreeKind, _ verifier: some TreeVerifier, _ label: String) throws {
        let (result, _) = try Self.check(kind: kind, verifier: verifier, label: "biased " + label)
        XCTAssertTrue(result.rejects, "biased \(label) went unnoticed (χ² = \(result.statistic))")
    }

    func testRRSWithReplacement() throws {
        try assertLossless(.sampled(.withReplacement), RecursiveRejectionSamplingVerifier(), "rrs, with replacement")
    }

    func testRRSWithoutReplacement() throws {
        try assertLossless(.sampled(.withoutReplacement), RecursiveRejectionSamplingVerifier(), "rrs, without replacement")
    }

    func testRRSTopKTree() throws {
        try assertLossless(.topK, RecursiveRejectionSamplingVerifier(), "rrs, top-k tree")
    }

    func testTraversalWithReplacement() throws {
        try assertLossless(.sampled(.withReplacement), TraversalVerifier(), "traversal, with replacement")
    }

    func testTraversalWithoutReplacement() throws {
        try assertLossless(.sampled(.withoutReplacement), TraversalVerifier(), "traversal, without replacement")
    }

    func testTraversalTopKTree() throws {
        try assertLossless(.topK, TraversalVerifier(), "traversal, top-k tree")
    }

    /// Test of the test: the same harness rejects each deliberately wrong update.
    func testHarnessRejectsBiasedVerifiers() throws {
        try assertRejected(.sampled(.withReplacement), RecursiveRejectionSamplingVerifier(fault: .residualFromTarget),
                           "rrs: residual from p instead of norm(max(0, p − q))")
        try assertRejected(.sampled(.withoutReplacement), RecursiveRejectionSamplingVerifier(fault: .removeBeforeResidual),
                           "rrs-wor: token removed from q before the residual")
        try assertRejected(.topK, RecursiveRejectionSamplingVerifier(fault: .residualFromTarget),
                           "rrs top-k: rejected child kept in p")
        try assertRejected(.sampled(.withoutReplacement), TraversalVerifier(fault: .stalePi), "traversal: π not updated")
        try assertRejected(.sampled(.withReplacement), TraversalVerifier(fault: .staleTarget), "traversal: p not updated")
    }
}
