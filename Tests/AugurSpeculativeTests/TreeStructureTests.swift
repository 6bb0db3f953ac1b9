import AugurModels
import AugurSampling
import XCTest
@testable import AugurSpeculative

/// `DraftTree` structure (validation, paths, positions, tree-attention visibility) and the two tree
/// builders (sampled multi-draft, dynamic top-k).
final class TreeStructureTests: XCTestCase {
    typealias Node = DraftTree.Node
    static let uniform4 = TokenDistribution(dense: [0.25, 0.25, 0.25, 0.25])

    func testValidationErrors() {
        func error(_ body: () throws -> DraftTree) -> DraftTreeError? {
            do { _ = try body(); return nil } catch { return error as? DraftTreeError }
        }
        let q = Self.uniform4
        XCTAssertEqual(error { try DraftTree(vocabularySize: 4, nodes: [Node(token: 1, parent: 0)], sampling: .deterministic) },
                       .parentNotBefore(node: 0, parent: 0))
        XCTAssertEqual(error { try DraftTree(vocabularySize: 4, nodes: [Node(token: 1, parent: -1), Node(token: 2, parent: 2), Node(token: 0, parent: -1)],
                                             sampling: .deterministic) }, .parentNotBefore(node: 1, parent: 2))
        XCTAssertEqual(error { try DraftTree(vocabularySize: 4, nodes: [Node(token: 1, parent: -1), Node(token: 2, parent: 0)],
                                             sampling: .deterministic, maxDepth: 1) }, .depthExceedsLimit(node: 1, depth: 2, limit: 1))
        XCTAssertEqual(error { try DraftTree(vocabularySize: 4, nodes: [Node(token: 4, parent: -1)], sampling: .deterministic) },
                       .tokenOutOfVocabulary(node: 0, token: 4))
        XCTAssertEqual(error { try DraftTree(vocabularySize: 4, nodes: [Node(token: 1, parent: -1)], draftDistributions: [q],
                                             sampling: .withReplacement) }, .draftDistributionCountMismatch(expected: 2, actual: 1))
        XCTAssertEqual(error { try DraftTree(vocabularySize: 4, nodes: [Node(token: 1, parent: -1), Node(token: 2, parent: 0)],
                                             draftDistributions: [q, nil, nil], sampling: .withoutReplacement) },
                       .missingDraftDistribution(position: 1))
        let noTwo = TokenDistribution(dense: [0.5, 0.5, 0, 0])
        XCTAssertEqual(error { try DraftTree(vocabularySize: 4, nodes: [Node(token: 1, parent: -1), Node(token: 2, parent: -1)],
                                             draftDistributions: [noTwo, nil, nil], sampling: .withReplacement) },
                       .childOutsideDraftSupport(node: 1))
        let twins = [Node(token: 1, parent: -1), Node(token: 1, parent: -1)]
        XCTAssertEqual(error { try DraftTree(vocabularySize: 4, nodes: twins, draftDistributions: [q, nil, nil], sampling: .withoutReplacement) },
                       .duplicateSibling(node: 1, token: 1))
        XCTAssertEqual(error { try DraftTree(vocabularySize: 4, nodes: twins, sampling: .deterministic) }, .duplicateSibling(node: 1, token: 1))
        XCTAssertNil(error { try DraftTree(vocabularySize: 4, nodes: twins, draftDistributions: [q, nil, nil], sampling: .withReplacement) })
    }

    /// root → {a=0: {c=2: {d=3}}, b=1}
    static func example() throws -> DraftTree {
        try DraftTree(vocabularySize: 4, nodes: [Node(token: 0, parent: -1), Node(token: 1, parent: -1),
                                                 Node(token: 2, parent: 0), Node(token: 3, parent: 2)], sampling: .deterministic)
    }

    func testDepthsChildrenPathsPositions() throws {
        let t = try Self.example()
        XCTAssertEqual(t.nodes.map(\.depth), [1, 1, 2, 3])
        XCTAssertEqual(t.depth, 3)
        XCTAssertEqual(t.children(of: -1), [0, 1])
        XCTAssertEqual(t.children(of: 0), [2])
        XCTAssertEqual(t.children(of: 1), [])
        XCTAssertEqual(t.path(to: 3), [0, 2, 3])
        XCTAssertEqual(t.tokens(to: 3), [0, 2, 3])
        XCTAssertEqual(t.path(to: -1), [])
        XCTAssertEqual(t.batchParents, [-1, 0, 0, 1, 3])
        XCTAssertEqual(TreeLayout.depths(parents: t.batchParents).map { 5 + $0 }, [5, 6, 6, 7, 8])
        XCTAssertEqual(TreeLayout.visibleRanges(parents: t.batchParents, cachedLength: 5),
                       [[0..<6], [0..<7], [0..<6, 7..<8], [0..<7, 8..<9], [0..<7, 8..<10]])
        var rng = Xoshiro256StarStar(seed: 3)
        XCTAssertThrowsError(try TraversalVerifier().verify(tree: t, targetDistributions: [Self.uniform4], rng: &rng)) {
            XCTAssertEqual($0 as? TreeVerificationError, .targetCountMismatch(expected: 5, actual: 1))
        }
    }

    /// Visibility from the ranges equals the brute-force rule "context, root, ancestors and self" on random trees.
    func testAttentionRangesMatchAncestorRule() throws {
        var rng = Xoshiro256StarStar(seed: 11)
        for _ in 0..<50 {
            let shape = randomShape(maxDepth: 5, maxBranching: 3, maxNodes: 20, using: &rng)
            let tree = try DraftTree(vocabularySize: shape.count,
                                     nodes: shape.indices.map { Node(token: Int32($0), parent: shape[$0]) }, sampling: .deterministic)
            let cached = Int.random(in: 0...7, using: &rng)
            let ranges = TreeLayout.visibleRanges(parents: tree.batchParents, cachedLength: cached)
            XCTAssertEqual(ranges.count, tree.count + 1)
            for row in 0...tree.count {
                let ancestors = Set(row == 0 ? [] : tree.path(to: row - 1))
                let expected = (0..<(cached + 1 + tree.count)).filter { $0 <= cached || ancestors.contains($0 - cached - 1) }
                XCTAssertEqual(ranges[row].flatMap { Array($0) }, expected, "row \(row) of \(shape)")
                XCTAssertTrue(zip(ranges[row], ranges[row].dropFirst()).allSatisfy { $0.upperBound < $1.lowerBound },
                              "ranges must be ascending, disjoint and merged")
            }
        }
    }
}
