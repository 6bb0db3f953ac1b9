import AugurSampling
import Foundation

/// Builds a sampled multi-draft tree (SpecInfer, arXiv 2305.09781, section 3; SpecTr, arXiv 2310.15141):
/// the children of every expanded position are drawn from the drafter's q there, with or without
/// replacement, which is what the lossless sampling verifiers (RRS, Traversal) assume.
///
/// The shape is given as a list of parents (`shape[i]` = parent of shape node i, −1 for the root, in
/// topological order); ``init(branching:sampling:)`` makes the k-ary shape "b_0 children of the root,
/// b_1 children of each of those, …". Positions are drafted level by level (one oracle call per depth).
/// Drawing without replacement from a q whose support is exhausted drops the shape node and its
/// subtree, so the built tree can be smaller than the shape.
///
/// `Node.logProbability` is the sum of log q(x) along the path, with q the drafter's distribution at
/// each parent (before any without-replacement renormalization).
public struct SampledTreeBuilder: Sendable {
    /// Parent of each shape node (−1 = root), topologically ordered.
    public let shape: [Int]
    /// `.withReplacement` or `.withoutReplacement`.
    public let sampling: ChildSampling

    /// A builder for an explicit shape.
    /// - Throws: `DraftTreeBuilderError.deterministicSampledTree` for `.deterministic`;
    ///   `DraftTreeError.parentNotBefore` for a shape that is not topological.
    public init(shape: [Int], sampling: ChildSampling) throws {
        guard sampling != .deterministic else { throw DraftTreeBuilderError.deterministicSampledTree }
        for (i, parent) in shape.enumerated() where parent < -1 || parent >= i {
            throw DraftTreeError.parentNotBefore(node: i, parent: parent)
        }
        self.shape = shape
        self.sampling = sampling
    }

    /// A k-ary shape: `branching[d]` children under every node of depth d (d = 0: the root).
    /// - Throws: `DraftTreeBuilderError.invalidSetting` when a branching factor is below 1.
    public init(branching: [Int], sampling: ChildSampling) throws {
        var shape: [Int] = []
        var level = [-1]
        for (d, b) in branching.enumerated() {
            guard b >= 1 else { throw DraftTreeBuilderError.invalidSetting(name: "branching[\(d)]", value: b, minimum: 1) }
            var next: [Int] = []
            for parent in level {
                for _ in 0..<b { next.append(shape.count); shape.append(parent) }
            }
            level = next
        }
        try self.init(shape: shape, sampling: sampling)
    }

    /// Drafts one tree: asks `oracle` for q at the root and at every shape node with children, and
    /// draws the children from it with `randomness`.
    /// - Throws: the oracle's errors; `DraftTreeBuilderError.oracleCountMismatch`.
    public func build<R: VerificationRandomness>(vocabularySize: Int, oracle: DraftOracle,
                                                 randomness: inout R) throws -> DraftTree {
        var shapeChildren = [[Int]](repeating: [], count: shape.count + 1)
        var shapeDepth = [Int](repeating: 0, count: shape.count)
        for (i, parent) in shape.enumerated() {
            shapeChildren[parent + 1].append(i)
            shapeDepth[i] = parent < 0 ? 1 : shapeDepth[parent] + 1
        }
        var nodes: [DraftTree.Node] = []
        var prefixes: [[Int32]] = []        // per built node: its path tokens
        var qs: [TokenDistribution?] = [nil]
        var built = [Int?](repeating: nil, count: shape.count)  // shape node → built node
        // Level d holds the shape positions (0 = root, i + 1 = shape node i) whose children are at depth d + 1.
        var level = [0]
        while !level.isEmpty {
            let expand = level.filter { !shapeChildren[$0].isEmpty && ($0 == 0 || built[$0 - 1] != nil) }
            let answers = try ask(oracle, expand.map { $0 == 0 ? [] : prefixes[built[$0 - 1]!] })
            var next: [Int] = []
            for (shapePosition, q) in zip(expand, answers) {
                let parent = shapePosition == 0 ? -1 : built[shapePosition - 1]!
                qs[parent + 1] = q
                var remaining = TreeWeights(q)
                for child in shapeChildren[shapePosition] {
                    guard !remaining.isEmpty, remaining.total > 0 else { break }
                    let token = remaining.sample(using: &randomness)
                    if sampling == .withoutReplacement { remaining = remaining.removing(token) }
                    let parentLog = parent < 0 ? 0 : nodes[parent].logProbability
                    nodes.append(DraftTree.Node(token: token, parent: parent,
                                                logProbability: parentLog + log(Double(q.probability(of: token)))))
                    prefixes.append((parent < 0 ? [] : prefixes[parent]) + [token])
                    qs.append(nil)
                    built[child] = nodes.count - 1
                    next.append(child + 1)
                }
            }
            level = next
        }
        return try DraftTree(vocabularySize: vocabularySize, nodes: nodes, draftDistributions: qs, sampling: sampling)
    }
}
