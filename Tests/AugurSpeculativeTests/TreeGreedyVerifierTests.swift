import AugurSampling
import XCTest
@testable import AugurSpeculative

/// Greedy tree verification: the deepest path matching the target's argmax, ties deterministic, and
/// output equal to plain greedy decoding.
final class TreeGreedyVerifierTests: XCTestCase {
    static let vocab = 6

    /// Peaked at `best` (ties allowed through `tied`).
    static func peaked(_ best: Int32, tied: Int32? = nil) -> TokenDistribution {
        var p = [Float](repeating: 0.05, count: vocab)
        p[Int(best)] = 0.5
        if let t = tied { p[Int(t)] = 0.5 }
        let s = p.reduce(0, +)
        return TokenDistribution(dense: p.map { $0 / s })
    }

    func testPicksDeepestMatchingPath() throws {
        // root → {1, 3}; 3 → {2, 4}; 4 → {5}. Target argmax: root 3, after 3: 4, after 3 4: 0 (so 5 fails).
        let tree = try DraftTree(vocabularySize: Self.vocab, nodes: [
            .init(token: 1, parent: -1), .init(token: 3, parent: -1),
            .init(token: 2, parent: 1), .init(token: 4, parent: 1), .init(token: 5, parent: 3),
        ], sampling: .deterministic)
        // Position r: 0 = root, r = i + 1 after node i.
        let ps = [Self.peaked(3), Self.peaked(0), Self.peaked(4), Self.peaked(2), Self.peaked(0), Self.peaked(1)]
        var rng = Xoshiro256StarStar(seed: 1)
        let v = try TreeGreedyVerifier().verify(tree: tree, targetDistributions: ps, rng: &rng)
        XCTAssertEqual(v.acceptedPath, [1, 3])
        XCTAssertEqual(v.emitted, [3, 4, 0])
        XCTAssertEqual(rng, Xoshiro256StarStar(seed: 1), "greedy verification consumes no randomness")
    }

    func testDuplicateSiblingsPreferDeeperThenEarlier() throws {
        // Drawn with replacement: root → {2, 2, 2}; only the second 2 has a matching child (5).
        let nodes: [DraftTree.Node] = [.init(token: 2, parent: -1), .init(token: 2, parent: -1), .init(token: 2, parent: -1),
                                       .init(token: 5, parent: 1), .init(token: 1, parent: 2)]
        let q = Self.peaked(2)
        let tree = try DraftTree(vocabularySize: Self.vocab, nodes: nodes,
                                 draftDistributions: [q, q, q, q, nil, nil], sampling: .withReplacement)
        // After "2" the target prefers 5 (every sibling has the same prefix, so the same p).
        let after2 = Self.peaked(5)
        let ps = [Self.peaked(2), after2, after2, after2, Self.peaked(0), Self.peaked(0)]
        let v = try TreeGreedyVerifier().verify(tree: tree, targetDistributions: ps, rng: &rngZero)
        XCTAssertEqual(v.acceptedPath, [1, 3])
        XCTAssertEqual(v.emitted, [2, 5, 0])
        // With no grandchild matching, the first drawn 2 wins.
        let ps2 = [Self.peaked(2), Self.peaked(4), Self.peaked(4), Self.peaked(4), Self.peaked(0), Self.peaked(0)]
        XCTAssertEqual(try TreeGreedyVerifier().verify(tree: tree, targetDistributions: ps2, rng: &rngZero).acceptedPath, [0])
    }

    func testArgmaxTiesGoToLowestID() throws {
        let tree = try DraftTree(vocabularySize: Self.vocab, nodes: [.init(token: 4, parent: -1), .init(token: 1, parent: -1)],
                                 sampling: .deterministic)
        let ps = [Self.peaked(4, tied: 1), Self.peaked(0), Self.peaked(3)]
        let v = try TreeGreedyVerifier().verify(tree: tree, targetDistributions: ps, rng: &rngZero)
        XCTAssertEqual(v.acceptedPath, [1])
        XCTAssertEqual(v.emitted, [1, 3])
    }

    /// On random trees over a toy target, the output is a prefix of plain greedy decoding and its length
    /// is the depth of the deepest node on the greedy path (checked by brute force over all nodes).
    func testEqualsPlainGreedyDecoding() throws {
        let models = TreeToyModels(vocab: 5, sharpness: 3)
        var rng = Xoshiro256StarStar(seed: 99)
        var totalAccepted = 0
        for round in 0..<300 {
            let context: [Int32] = [Int32(round % 5), Int32((round / 5) % 5)]
            var greedy: [Int32] = []
            for _ in 0..<6 { greedy.append(models.target(context + greedy).mostLikely) }
            let shape = randomShape(maxDepth: 4, maxBranching: 3, maxNodes: 12, using: &rng)
            let sampling: ChildSampling = round % 2 == 0 ? .withReplacement : .withoutReplacement
            // Draft from the target itself at high probability of hitting the argmax.
            let tree = try SampledTreeBuilder(shape: shape, sampling: sampling)
                .build(vocabularySize: 5, oracle: { $0.map { models.target(context + $0) } }, randomness: &rng)
            let v = try TreeGreedyVerifier().verify(tree: tree, targetDistributions: models.targets(for: tree, context: context), rng: &rng)
            XCTAssertEqual(v.emitted, Array(greedy.prefix(v.emitted.count)), "round \(round)")
            let deepest = tree.nodes.indices.filter { tree.tokens(to: $0) == Array(greedy.prefix(tree.nodes[$0].depth)) }
                .map { tree.nodes[$0].depth }.max() ?? 0
            XCTAssertEqual(v.acceptedCount, deepest, "round \(round)")
            totalAccepted += v.acceptedCount
        }
        XCTAssertGreaterThan(totalAccepted, 300, "the test should accept some paths")
    }

    func testRefusesTemperature() {
        XCTAssertThrowsError(try TreeGreedyVerifier(parameters: SamplingParameters(temperature: 0.7))) {
            XCTAssertEqual($0 as? TreeVerificationError, .greedyWithTemperature(0.7))
        }
        XCTAssertNoThrow(try TreeGreedyVerifier(parameters: SamplingParameters(temperature: 0)))
    }

    private var rngZero = Xoshiro256StarStar(seed: 0)
}
