import AugurSampling
import XCTest
@testable import AugurSpeculative

/// Exact checks, no sampling: every random decision of tree drafting and verification is enumerated with
/// its probability (`enumerateOutcomes`). Losslessness: the emitted tokens, continued by exact target
/// sampling, have exactly the target's joint distribution. Efficiency: expected accepted lengths of
/// recursive rejection sampling (RRS) and Traversal Verification, compared case by case.
final class TreeEnumerationTests: XCTestCase {
    static let models = TreeToyModels(vocab: 4)
    static let contexts: [[Int32]] = [[1], [2, 0], [3, 3, 1]]
    /// Small shapes (parents lists): fork, fork with grandchild, 3-way, chain of 3, two-level binary, lopsided, depth 4.
    static let shapes: [[Int]] = [[-1, -1], [-1, -1, 0], [-1, -1, -1], [-1, 0, 1], [-1, -1, 0, 0, 1], [-1, 0, 0, -1], [-1, -1, 0, 2, 3]]

    typealias Build = (inout ScriptedRandomness) throws -> DraftTree

    /// Distribution of `emitted` over every draft and verification outcome.
    static func emittedDistribution(context: [Int32], build: Build, verifier: some TreeVerifier,
                                    models: TreeToyModels = models) throws -> [[Int32]: Double] {
        try enumerateOutcomes { r -> [Int32] in
            let tree = try build(&r)
            return try verifier.verify(tree: tree, targetDistributions: models.targets(for: tree, context: context),
                                       randomness: &r).emitted
        }
    }

    static func sampledBuild(shape: [Int], sampling: ChildSampling, context: [Int32]) throws -> Build {
        let builder = try SampledTreeBuilder(shape: shape, sampling: sampling)
        return { r in try builder.build(vocabularySize: models.vocab, oracle: models.oracle(context: context), randomness: &r) }
    }

    static func topKBuild(topK: Int, depth: Int, total: Int, context: [Int32]) throws -> Build {
        let tree = try DynamicTreeBuilder(topK: topK, depth: depth, totalTokens: total)
            .build(vocabularySize: models.vocab, oracle: models.oracle(context: context))
        return { _ in tree }
    }

    /// Max |P(first L tokens) − target's| with L = longest possible emission.
    static func lossDeviation(_ emitted: [[Int32]: Double], context: [Int32], models: TreeToyModels = models) -> Double {
        let length = emitted.keys.map(\.count).max()!
        return maxDifference(models.extend(emitted, context: context, length: length),
                             models.exactJoint(context: context, length: length))
    }

    static func expectedAccepted(_ emitted: [[Int32]: Double]) -> Double {
        emitted.reduce(0) { $0 + Double($1.key.count - 1) * $1.value }
    }

    func testSampledTreesAreExactlyLossless() throws {
        var worst = 0.0, cases = 0
        for context in Self.contexts {
            for shape in Self.shapes {
                for sampling in [ChildSampling.withReplacement, .withoutReplacement] {
                    let build = try Self.sampledBuild(shape: shape, sampling: sampling, context: context)
                    for verifier in [RecursiveRejectionSamplingVerifier() as any TreeVerifier, TraversalVerifier()] {
                        let emitted = try Self.emittedDistribution(context: context, build: build, verifier: verifier)
                        XCTAssertEqual(emitted.values.reduce(0, +), 1, accuracy: 1e-9)
                        let d = Self.lossDeviation(emitted, context: context)
                        XCTAssertLessThan(d, 1e-7, "\(verifier.name) \(sampling) shape \(shape) context \(context)")
                        worst = max(worst, d); cases += 1
                    }
                }
            }
        }
        print(String(format: "exact losslessness, sampled trees: %d cases, max |P − p| = %.2e", cases, worst))
    }

    /// The same with sparse distributions (the layout after top-k / top-p truncation).
    func testSparseDistributionsAreExactlyLossless() throws {
        let sparse = TreeToyModels(vocab: 4, sparse: true)
        var worst = 0.0
        for shape in Self.shapes {
            for sampling in [ChildSampling.withReplacement, .withoutReplacement] {
                let builder = try SampledTreeBuilder(shape: shape, sampling: sampling)
                let build: Build = { r in try builder.build(vocabularySize: 4, oracle: sparse.oracle(context: [2]), randomness: &r) }
                for verifier in [RecursiveRejectionSamplingVerifier() as any TreeVerifier, TraversalVerifier()] {
                    let emitted = try Self.emittedDistribution(context: [2], build: build, verifier: verifier, models: sparse)
                    let d = Self.lossDeviation(emitted, context: [2], models: sparse)
                    XCTAssertLessThan(d, 1e-7, "\(verifier.name) \(sampling) shape \(shape), sparse")
                    worst = max(worst, d)
                }
            }
        }
        print(String(format: "exact losslessness, sparse distributions: max |P − p| = %.2e", worst))
    }

    /// With one-hot proposals (top-k trees) Traversal Verification gives exactly RRS's output
    /// distribution: π along a path is the product of target probabilities, and each deletion
    /// reproduces RRS's "p without the rejected token". So Traversal gains nothing on top-k trees.
    func testTraversalEqualsRRSOnTopKTrees() throws {
        var worst = 0.0, cases = 0
        for context in Self.contexts {
            for (k, depth, total) in [(2, 2, 3), (2, 4, 8), (3, 3, 7)] {
                let build = try Self.topKBuild(topK: k, depth: depth, total: total, context: context)
                let rrs = try Self.emittedDistribution(context: context, build: build, verifier: RecursiveRejectionSamplingVerifier())
                let tv = try Self.emittedDistribution(context: context, build: build, verifier: TraversalVerifier())
                let d = maxDifference(rrs, tv)
                XCTAssertLessThan(d, 1e-12, "top-\(k) depth \(depth) after \(context)")
                worst = max(worst, d); cases += 1
            }
        }
        print(String(format: "traversal vs rrs on top-k trees: %d trees, max difference %.2e", cases, worst))
    }

    func testTopKTreesAreExactlyLossless() throws {
        var worst = 0.0, cases = 0
        for context in Self.contexts {
            for (k, depth, total) in [(2, 2, 3), (2, 3, 5), (3, 2, 6), (3, 3, 7)] {
                let build = try Self.topKBuild(topK: k, depth: depth, total: total, context: context)
                for verifier in [RecursiveRejectionSamplingVerifier() as any TreeVerifier, TraversalVerifier()] {
                    let emitted = try Self.emittedDistribution(context: context, build: build, verifier: verifier)
                    let d = Self.lossDeviation(emitted, context: context)
                    XCTAssertLessThan(d, 1e-7, "\(verifier.name) top-\(k) depth \(depth) context \(context)")
                    worst = max(worst, d); cases += 1
                }
            }
        }
        print(String(format: "exact losslessness, top-k trees: %d cases, max |P − p| = %.2e", cases, worst))
    }

    /// Test of the test: each deliberately wrong update must show up in the exact output distribution.
    func testBiasedVariantsAreDetected() throws {
        let context: [Int32] = [1]
        let faulty: [(String, any TreeVerifier, ChildSampling)] = [
            ("rrs residual from target", RecursiveRejectionSamplingVerifier(fault: .residualFromTarget), .withReplacement),
            ("rrs-wor remove before residual", RecursiveRejectionSamplingVerifier(fault: .removeBeforeResidual), .withoutReplacement),
            ("rrs on wor tree as if with replacement", RecursiveRejectionSamplingVerifier(), .withoutReplacement),
            ("traversal stale π", TraversalVerifier(fault: .stalePi), .withoutReplacement),
            ("traversal stale p", TraversalVerifier(fault: .staleTarget), .withoutReplacement),
        ]
        for (label, verifier, sampling) in faulty {
            var worst = 0.0
            for shape in Self.shapes {
                var build = try Self.sampledBuild(shape: shape, sampling: sampling, context: context)
                if label.hasPrefix("rrs on wor") {
                    // The tree is drawn without replacement but declared with replacement.
                    let inner = build
                    build = { r in
                        let t = try inner(&r)
                        return try DraftTree(vocabularySize: t.vocabularySize, nodes: t.nodes,
                                             draftDistributions: t.draftDistributions, sampling: .withReplacement)
                    }
                }
                let emitted = try Self.emittedDistribution(context: context, build: build, verifier: verifier)
                worst = max(worst, Self.lossDeviation(emitted, context: context))
            }
            print(String(format: "biased %@: max |P − p| = %.4f", label, worst))
            // Lossless verifiers stay below 1e-7 (float inputs); every fault here is far above that.
            XCTAssertGreaterThan(worst, 1e-5, "\(label) went unnoticed")
        }
    }

    /// Traversal Verification on a chain equals block verification (Sun et al. 2024, arXiv 2403.10444,
    /// Algorithm 2), written here independently: same distribution of (accepted count, emitted tokens)
    /// for every fixed draft of length 1…3.
    func testTraversalOnChainIsBlockVerification() throws {
        let m = Self.models
        var worst = 0.0, drafts = 0
        for context in Self.contexts {
            for k in 1...3 {
                var all: [[Int32]] = [[]]
                for _ in 0..<k { all = all.flatMap { d in (0..<Int32(m.vocab)).map { d + [$0] } } }
                for draft in all {
                    let qs = draft.indices.map { m.draft(context + draft.prefix($0)) }
                    guard zip(draft, qs).allSatisfy({ $1.probability(of: $0) > 0 }) else { continue }
                    let ps = (0...k).map { m.target(context + draft.prefix($0)) }
                    let tree = try DraftTree.chain(draft, draftDistributions: qs, vocabularySize: m.vocab)
                    let traversal = enumerateOutcomes { r in
                        try! TraversalVerifier().verify(tree: tree, targetDistributions: ps, randomness: &r).emitted
                    }
                    let block = enumerateOutcomes { r in Self.blockVerify(draft: draft, qs: qs, ps: ps, randomness: &r) }
                    let d = maxDifference(traversal, block)
                    XCTAssertLessThan(d, 1e-12, "draft \(draft) after \(context)")
                    worst = max(worst, d); drafts += 1
                }
            }
        }
        print(String(format: "traversal vs block verification: %d chains, max difference %.2e", drafts, worst))
    }

    /// Block verification, from the paper's formulas on dense arrays: weights w_0 = 1,
    /// w_i = min(1, w_{i−1} p_i(x_i) / q_i(x_i)); h_k = w_k; for i < k, with
    /// S_i = Σ_x max(0, w_i p_{i+1}(x) − q_{i+1}(x)), h_i = S_i / (S_i + 1 − w_i); h_0 = 1.
    /// τ = max{i : η_i ≤ h_i}; then the bonus from p_{k+1} (τ = k) or one token from
    /// norm(max(0, w_τ p_{τ+1} − q_{τ+1})).
    static func blockVerify<R: VerificationRandomness>(draft: [Int32], qs: [TokenDistribution], ps: [TokenDistribution],
                                                       randomness: inout R) -> [Int32] {
        let k = draft.count, v = ps[0].vocabularySize
        func dense(_ d: TokenDistribution) -> [Double] {  // normalized in Double, as the verifiers read their Float inputs
            let raw = (0..<v).map { Double(d.probability(of: Int32($0))) }
            let total = raw.reduce(0, +)
            return raw.map { $0 / total }
        }
        var w = [1.0]
        for i in 1...k {
            let x = draft[i - 1]
            let ratio = dense(ps[i - 1])[Int(x)] / dense(qs[i - 1])[Int(x)]
            w.append(min(1, w[i - 1] * ratio))
        }
        func residual(_ i: Int) -> [Double] {  // max(0, w_i p_{i+1} − q_{i+1})
            let p = dense(ps[i]), q = dense(qs[i])
            return (0..<v).map { max(0, w[i] * p[$0] - q[$0]) }
        }
        for tau in stride(from: k, through: 1, by: -1) {
            let h: Double
            if tau == k { h = w[k] } else {
                let s = residual(tau).reduce(0, +)
                h = s + 1 - w[tau] > 0 ? s / (s + 1 - w[tau]) : 1
            }
            if randomness.bernoulli(h) {
                let next = tau == k ? dense(ps[k]) : residual(tau)
                return Array(draft.prefix(tau)) + [Int32(randomness.categorical(next))]
            }
        }
        let r = residual(0)
        return [Int32(randomness.categorical(r.reduce(0, +) > 0 ? r : dense(ps[0])))]
    }

    /// The guarantee is in expectation over the draft, not per tree: for some fixed sampled trees
    /// Traversal accepts less than RRS, while averaged over the draws it accepts at least as much.
    func testTraversalIsNotBetterOnEveryFixedTree() throws {
        var worse = 0, trees = 0
        for context in Self.contexts {
            for shape in Self.shapes {
                let builder = try SampledTreeBuilder(shape: shape, sampling: .withoutReplacement)
                var drawn: [[Int]: (tree: DraftTree, probability: Double)] = [:]
                let probabilities = try enumerateOutcomes { r -> [Int] in
                    let t = try builder.build(vocabularySize: 4, oracle: Self.models.oracle(context: context), randomness: &r)
                    let key = t.nodes.flatMap { [Int($0.token), $0.parent] }
                    drawn[key] = (t, 0)
                    return key
                }
                var rrsMean = 0.0, tvMean = 0.0
                for (key, entry) in drawn {
                    let fixed: Build = { _ in entry.tree }
                    let rrs = Self.expectedAccepted(try Self.emittedDistribution(context: context, build: fixed,
                                                                                 verifier: RecursiveRejectionSamplingVerifier()))
                    let tv = Self.expectedAccepted(try Self.emittedDistribution(context: context, build: fixed, verifier: TraversalVerifier()))
                    if tv < rrs - 1e-12 { worse += 1 }
                    trees += 1
                    rrsMean += probabilities[key]! * rrs; tvMean += probabilities[key]! * tv
                }
                XCTAssertGreaterThanOrEqual(tvMean, rrsMean - 1e-12, "shape \(shape) after \(context)")
            }
        }
        print("fixed trees (without replacement) where traversal accepts less than RRS: \(worse) of \(trees)")
        XCTAssertGreaterThan(worse, 0)
    }

    /// Expected accepted length, exact: Traversal ≥ RRS on every toy case (same tree distribution).
    func testTraversalAcceptsAtLeastAsMuchAsRRS() throws {
        var rows: [String] = []
        var gains: [Double] = []
        for sharpness in [1.0, 2.0, 3.0] {
            let models = TreeToyModels(vocab: 4, sharpness: sharpness)
            for context in Self.contexts {
                var builds: [(String, Build)] = []
                for shape in Self.shapes {
                    for sampling in [ChildSampling.withReplacement, .withoutReplacement] {
                        let b = try SampledTreeBuilder(shape: shape, sampling: sampling)
                        builds.append(("\(sampling == .withReplacement ? "wr " : "wor") \(shape)",
                                       { r in try b.build(vocabularySize: 4, oracle: models.oracle(context: context), randomness: &r) }))
                    }
                }
                for (k, depth, total) in [(2, 2, 3), (3, 3, 7)] {
                    let tree = try DynamicTreeBuilder(topK: k, depth: depth, totalTokens: total)
                        .build(vocabularySize: 4, oracle: models.oracle(context: context))
                    builds.append(("top-\(k) d\(depth) n\(total)", { _ in tree }))
                }
                for (label, build) in builds {
                    let rrs = Self.expectedAccepted(try Self.emittedDistribution(
                        context: context, build: build, verifier: RecursiveRejectionSamplingVerifier(), models: models))
                    let tv = Self.expectedAccepted(try Self.emittedDistribution(
                        context: context, build: build, verifier: TraversalVerifier(), models: models))
                    XCTAssertGreaterThanOrEqual(tv, rrs - 1e-12, "\(label) sharpness \(sharpness) context \(context)")
                    gains.append((tv + 1) / (rrs + 1) - 1)
                    rows.append(String(format: "  s%.0f %@ %@: E[accepted] RRS %.4f, traversal %.4f", sharpness,
                                       "\(context)", label, rrs, tv))
                }
            }
        }
        print("expected accepted length, exact (\(rows.count) cases):\n" + rows.prefix(24).joined(separator: "\n"))
        print(String(format: "traversal τ gain over RRS: min %.2f %%, mean %.2f %%, max %.2f %%", 100 * gains.min()!,
                     100 * gains.reduce(0, +) / Double(gains.count), 100 * gains.max()!))
    }
}
