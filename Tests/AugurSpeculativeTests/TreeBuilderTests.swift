import AugurSampling
import Foundation
import XCTest
@testable import AugurSpeculative

/// The dynamic top-k builder (EAGLE-2 expansion + reranking, ties toward shallower nodes) and the sampled
/// multi-draft builder, on toy oracles.
final class TreeBuilderTests: XCTestCase {
    static let vocab = 6

    /// Uniform after the empty prefix (six-way ties); one-hot on 0 after a 0 (q = 1: children tie their
    /// parent); otherwise a fixed skewed distribution that depends on the last token.
    static func tieOracle(_ prefixes: [[Int32]]) -> [TokenDistribution] {
        prefixes.map { prefix in
            guard let last = prefix.last else { return TokenDistribution(dense: [Float](repeating: 1.0 / 6, count: vocab)) }
            if last == 0 { return .oneHot(0, vocabularySize: vocab) }
            let base: [Float] = [0.4, 0.3, 0.15, 0.1, 0.05, 0]
            return TokenDistribution(dense: (0..<vocab).map { base[($0 + Int(last)) % vocab] })
        }
    }

    func testTopKExpansionAndScores() throws {
        var calls: [Int] = []
        let oracle: DraftOracle = { calls.append($0.count); return Self.tieOracle($0) }
        let tree = try DynamicTreeBuilder(topK: 3, depth: 3, totalTokens: 100).build(vocabularySize: Self.vocab, oracle: oracle)
        XCTAssertEqual(calls, [1, 3, 3], "one oracle call per level, frontier of topK")
        XCTAssertEqual(tree.sampling, .deterministic)
        // Root: six-way tie, lowest ids first.
        XCTAssertEqual(tree.children(of: -1).map { tree.nodes[$0].token }, [0, 1, 2])
        // Every score is the sum of log q along the path.
        for i in tree.nodes.indices {
            let path = tree.tokens(to: i)
            let expected = path.indices.reduce(0.0) { acc, d in
                acc + log(Double(Self.tieOracle([Array(path.prefix(d))])[0].probability(of: path[d])))
            }
            XCTAssertEqual(tree.nodes[i].logProbability, expected, accuracy: 1e-12)
        }
        // Level 1: 3 nodes; level 2: 1 (after 0) + 3 + 3 = 7 children; level 3 expands the best 3 of those.
        XCTAssertEqual(tree.nodes.filter { $0.depth == 1 }.count, 3)
        XCTAssertEqual(tree.nodes.filter { $0.depth == 2 }.count, 7)
        XCTAssertLessThanOrEqual(tree.depth, 3)
    }

    func testTiesGoToShallowerNodes() throws {
        // Scores: depth-1 nodes 0, 1, 2 all log(1/6); "0 0" ties them at depth 2. With 3 kept tokens the
        // three depth-1 nodes win the tie; with 4, "0 0" comes next.
        let three = try DynamicTreeBuilder(topK: 3, depth: 3, totalTokens: 3).build(vocabularySize: Self.vocab, oracle: Self.tieOracle)
        XCTAssertEqual(three.nodes.map(\.depth), [1, 1, 1])
        XCTAssertEqual(three.nodes.map(\.token), [0, 1, 2])
        let four = try DynamicTreeBuilder(topK: 3, depth: 3, totalTokens: 4).build(vocabularySize: Self.vocab, oracle: Self.tieOracle)
        XCTAssertEqual(four.nodes.map { four.tokens(to: $0.parent) + [$0.token] }.last, [0, 0])
    }

    /// For every budget, the kept set is the best-ranked prefix of all candidates (score, then depth) and
    /// is closed under parents, so nothing had to be skipped.
    func testKeptSetIsAlwaysATree() throws {
        for topK in 1...4 {
            for depth in 1...4 {
                let all = try DynamicTreeBuilder(topK: topK, depth: depth, totalTokens: 10_000)
                    .build(vocabularySize: Self.vocab, oracle: Self.tieOracle)
                let ranked = all.nodes.indices.sorted {
                    let a = all.nodes[$0], b = all.nodes[$1]
                    if a.logProbability != b.logProbability { return a.logProbability > b.logProbability }
                    return a.depth != b.depth ? a.depth < b.depth : $0 < $1
                }.map { all.tokens(to: $0) }
                for budget in 1...all.count {
                    let tree = try DynamicTreeBuilder(topK: topK, depth: depth, totalTokens: budget)
                        .build(vocabularySize: Self.vocab, oracle: Self.tieOracle)
                    XCTAssertEqual(tree.count, budget)
                    let paths = Set(tree.nodes.indices.map { tree.tokens(to: $0) })
                    XCTAssertEqual(paths, Set(ranked.prefix(budget)), "topK \(topK) depth \(depth) budget \(budget)")
                    for path in paths where path.count > 1 { XCTAssertTrue(paths.contains(Array(path.dropLast()))) }
                }
            }
        }
    }

    func testBuilderSettingsAreChecked() {
        XCTAssertThrowsError(try DynamicTreeBuilder(topK: 0, depth: 2, totalTokens: 4)) {
            XCTAssertEqual($0 as? DraftTreeBuilderError, .invalidSetting(name: "topK", value: 0, minimum: 1))
        }
        XCTAssertThrowsError(try SampledTreeBuilder(branching: [2, 0], sampling: .withReplacement)) {
            XCTAssertEqual($0 as? DraftTreeBuilderError, .invalidSetting(name: "branching[1]", value: 0, minimum: 1))
        }
        XCTAssertThrowsError(try SampledTreeBuilder(branching: [2], sampling: .deterministic)) {
            XCTAssertEqual($0 as? DraftTreeBuilderError, .deterministicSampledTree)
        }
        XCTAssertThrowsError(try DynamicTreeBuilder(topK: 2, depth: 2, totalTokens: 4).build(vocabularySize: 6, oracle: { _ in [] })) {
            XCTAssertEqual($0 as? DraftTreeBuilderError, .oracleCountMismatch(expected: 1, actual: 0))
        }
    }

    func testSampledTreeShapeAndReplacement() throws {
        let models = TreeToyModels(vocab: 4)
        var rng = Xoshiro256StarStar(seed: 5)
        var duplicateSiblings = 0
        for sampling in [ChildSampling.withReplacement, .withoutReplacement] {
            var calls = 0
            let builder = try SampledTreeBuilder(branching: [3, 2], sampling: sampling)
            XCTAssertEqual(builder.shape, [-1, -1, -1, 0, 0, 1, 1, 2, 2])
            for _ in 0..<200 {
                let tree = try builder.build(vocabularySize: 4, oracle: { calls += 1; return try models.oracle(context: [2])($0) },
                                             randomness: &rng)
                XCTAssertEqual(tree.sampling, sampling)
                XCTAssertLessThanOrEqual(tree.depth, 2)
                for position in 0...tree.count where !tree.childLists[position].isEmpty {
                    let tokens = tree.childLists[position].map { tree.nodes[$0].token }
                    if Set(tokens).count < tokens.count { duplicateSiblings += 1 }
                    if sampling == .withoutReplacement { XCTAssertEqual(Set(tokens).count, tokens.count) }
                    // The toy q has 3 tokens of support: 3 root children with replacement or not.
                    if position == 0 { XCTAssertEqual(tokens.count, 3) }
                }
            }
            XCTAssertEqual(calls, 400, "one oracle call per level with children")
        }
        XCTAssertGreaterThan(duplicateSiblings, 0, "drawing with replacement should repeat some siblings")
    }

    /// Without replacement from a q with 2 tokens of support, a 3-way fork keeps 2 children; the log
    /// probabilities are log q of each token.
    func testSampledTreeStopsWhenSupportRunsOut() throws {
        let q = TokenDistribution(dense: [0, 0.75, 0, 0.25])
        var rng = Xoshiro256StarStar(seed: 8)
        let tree = try SampledTreeBuilder(branching: [3, 1], sampling: .withoutReplacement)
            .build(vocabularySize: 4, oracle: { $0.map { _ in q } }, randomness: &rng)
        XCTAssertEqual(tree.children(of: -1).count, 2)
        XCTAssertEqual(Set(tree.children(of: -1).map { tree.nodes[$0].token }), [1, 3])
        XCTAssertEqual(tree.count, 4)
        for i in tree.nodes.indices {
            let expected = tree.tokens(to: i).reduce(0.0) { $0 + log(Double(q.probability(of: $1))) }
            XCTAssertEqual(tree.nodes[i].logProbability, expected, accuracy: 1e-12)
        }
    }
}
