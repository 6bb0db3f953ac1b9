import AugurSampling

/// How the children of each expanded position of a `DraftTree` were drawn from its draft distribution q.
///
/// The tree verifiers read this to know which proposal distribution each sibling came from, which
/// lossless verification needs (SpecInfer, arXiv 2305.09781, section 4; SpecTr, arXiv 2310.15141;
/// Jeon et al. 2024, "Recursive Speculative Decoding", arXiv 2402.14160, section 3):
/// - `withReplacement`: every child is an independent draw from q (siblings may repeat a token);
/// - `withoutReplacement`: sibling j is drawn from q with siblings 1..j−1 removed and renormalized
///   (siblings are distinct);
/// - `deterministic`: children were chosen, not drawn (top-k by draft probability, n-gram matches):
///   sibling j is treated as a draw from one-hot(its token), which makes the siblings a draw without
///   replacement from a sequence of one-hot proposals (as EAGLE verifies its top-k trees). Siblings are
///   distinct.
public enum ChildSampling: String, Sendable, Codable, CaseIterable {
    case withReplacement
    case withoutReplacement
    case deterministic
}

/// Why a draft tree is malformed.
public enum DraftTreeError: Error, Equatable, CustomStringConvertible {
    /// Node order must be topological: `parent` must be −1 or an index below `node`.
    case parentNotBefore(node: Int, parent: Int)
    /// A node is deeper than the tree's depth limit (depth 1 = child of the committed last token).
    case depthExceedsLimit(node: Int, depth: Int, limit: Int)
    /// `draftDistributions` needs one entry per position: the root plus one per node.
    case draftDistributionCountMismatch(expected: Int, actual: Int)
    /// A sampled tree needs q at every position that has children (position 0 = root, i + 1 = node i).
    case missingDraftDistribution(position: Int)
    /// A sampled child's token has probability 0 under the q it was drawn from.
    case childOutsideDraftSupport(node: Int)
    /// Without replacement and deterministic trees need distinct sibling tokens.
    case duplicateSibling(node: Int, token: Int32)
    /// A token id outside 0..<vocabularySize.
    case tokenOutOfVocabulary(node: Int, token: Int32)

    public var description: String {
        switch self {
        case .parentNotBefore(let n, let p): return "draft tree node \(n) has parent \(p); parents must come before children"
        case .depthExceedsLimit(let n, let d, let l): return "draft tree node \(n) has depth \(d) > limit \(l)"
        case .draftDistributionCountMismatch(let e, let a): return "draft tree needs \(e) draft distributions (root + one per node), got \(a)"
        case .missingDraftDistribution(let p): return "sampled draft tree has children at position \(p) but no draft distribution there"
        case .childOutsideDraftSupport(let n): return "draft tree node \(n) was drawn with probability 0"
        case .duplicateSibling(let n, let t): return "draft tree node \(n) repeats its sibling's token \(t) in a tree without replacement"
        case .tokenOutOfVocabulary(let n, let t): return "draft tree node \(n) has token \(t) outside the vocabulary"
        }
    }
}

/// A tree of draft tokens continuing the committed sequence, verified by one target forward pass.
///
/// Positions: position 0 is the root, the committed last token (not yet run through the target);
/// position i + 1 is node i. Node order is topological (parents before children) and siblings appear in
/// the order they were drawn; `parent == −1` marks a child of the root. Depth 1 = child of the root.
///
/// The verification batch is `[root token] + nodes.map(\.token)` (n + 1 rows): row r yields the target's
/// distribution for the token after position r, which is what the tree verifiers take as
/// `targetDistributions[r]`. ``batchParents`` links that batch for `forwardTree`; `TreeLayout`
/// (AugurModels) gives its RoPE positions and per-row visibility.
///
/// Example, committed "… a", two children b, c of a, and d under b:
/// `nodes = [(b, −1), (c, −1), (d, 0)]`, positions `[L, L+1, L+1, L+2]` with L = cached length.
public struct DraftTree: Sendable, Equatable {
    /// One drafted token.
    public struct Node: Sendable, Equatable {
        /// The drafted token id.
        public let token: Int32
        /// Index of the parent node, or −1 for a child of the root.
        public let parent: Int
        /// Distance from the root (children of the root have depth 1). Filled in by `DraftTree.init`.
        public internal(set) var depth: Int
        /// Cumulative natural-log draft probability of the path root → this node (≤ 0; 0 when unknown).
        public let logProbability: Double

        public init(token: Int32, parent: Int, logProbability: Double = 0) {
            self.token = token
            self.parent = parent
            self.depth = 0
            self.logProbability = logProbability
        }
    }

    /// Vocabulary size the token ids index.
    public let vocabularySize: Int
    /// The drafted nodes, topologically ordered; siblings in draw order.
    public let nodes: [Node]
    /// q per position (count `nodes.count + 1`): the draft distribution the children of position r were
    /// drawn from. Nil where a position has no children, or everywhere in a deterministic tree.
    public let draftDistributions: [TokenDistribution?]
    /// How children were drawn from q.
    public let sampling: ChildSampling
    /// Children of each position (index 0 = root), in draw order.
    public let childLists: [[Int]]

    /// Builds and validates a tree.
    /// - Parameters:
    ///   - draftDistributions: one entry per position (root + nodes), or empty for a deterministic tree.
    ///   - maxDepth: optional depth limit.
    /// - Throws: `DraftTreeError` for a non-topological order, a depth over `maxDepth`, a missing q in a
    ///   sampled tree, a sampled token outside its q's support, repeated siblings without replacement,
    ///   or a token outside the vocabulary.
    public init(vocabularySize: Int, nodes: [Node], draftDistributions: [TokenDistribution?] = [],
                sampling: ChildSampling, maxDepth: Int? = nil) throws {
        var nodes = nodes
        var childLists = [[Int]](repeating: [], count: nodes.count + 1)
        for i in nodes.indices {
            let parent = nodes[i].parent
            guard parent >= -1 && parent < i else { throw DraftTreeError.parentNotBefore(node: i, parent: parent) }
            guard nodes[i].token >= 0 && Int(nodes[i].token) < vocabularySize else {
                throw DraftTreeError.tokenOutOfVocabulary(node: i, token: nodes[i].token)
            }
            nodes[i].depth = parent < 0 ? 1 : nodes[parent].depth + 1
            if let limit = maxDepth, nodes[i].depth > limit {
                throw DraftTreeError.depthExceedsLimit(node: i, depth: nodes[i].depth, limit: limit)
            }
            childLists[parent + 1].append(i)
        }
        let distributions = draftDistributions.isEmpty
            ? [TokenDistribution?](repeating: nil, count: nodes.count + 1) : draftDistributions
        guard distributions.count == nodes.count + 1 else {
            throw DraftTreeError.draftDistributionCountMismatch(expected: nodes.count + 1, actual: draftDistributions.count)
        }
        for (position, children) in childLists.enumerated() where !children.isEmpty {
            if sampling != .deterministic {
                guard let q = distributions[position] else { throw DraftTreeError.missingDraftDistribution(position: position) }
                for c in children where q.probability(of: nodes[c].token) <= 0 {
                    throw DraftTreeError.childOutsideDraftSupport(node: c)
                }
            }
            if sampling != .withReplacement {
                var seen = Set<Int32>()
                for c in children where !seen.insert(nodes[c].token).inserted {
                    throw DraftTreeError.duplicateSibling(node: c, token: nodes[c].token)
                }
            }
        }
        self.vocabularySize = vocabularySize
        self.nodes = nodes
        self.draftDistributions = distributions
        self.sampling = sampling
        self.childLists = childLists
    }

    /// A chain x_1..x_k as a tree (each node the only child of the one before).
    /// - Parameter draftDistributions: q_1..q_k (q_i is what x_i was drawn from), or nil for a deterministic chain.
    public static func chain(_ tokens: [Int32], draftDistributions: [TokenDistribution]?, vocabularySize: Int) throws -> DraftTree {
        let nodes = tokens.indices.map { Node(token: tokens[$0], parent: $0 - 1) }
        guard let qs = draftDistributions else {
            return try DraftTree(vocabularySize: vocabularySize, nodes: nodes, sampling: .deterministic)
        }
        return try DraftTree(vocabularySize: vocabularySize, nodes: nodes,
                             draftDistributions: qs.map { Optional($0) } + [nil], sampling: .withReplacement)
    }

    /// Number of drafted nodes (the root excluded).
    public var count: Int { nodes.count }
    /// Depth of the deepest node (0 for an empty tree).
    public var depth: Int { nodes.map(\.depth).max() ?? 0 }

    /// Children of node `node` (−1 = root), in draw order.
    public func children(of node: Int) -> [Int] { childLists[node + 1] }

    /// Node indices on the path root → `node`, `node` last (empty for −1).
    public func path(to node: Int) -> [Int] {
        var out: [Int] = []
        var n = node
        while n >= 0 { out.append(n); n = nodes[n].parent }
        return out.reversed()
    }

    /// Tokens on the path root → `node` (the prefix this node's target distribution conditions on).
    public func tokens(to node: Int) -> [Int32] { path(to: node).map { nodes[$0].token } }

    /// Parent links of the verification batch `[root] + nodes` for
    /// ``TreeLanguageModel/forwardTree(_:parents:cache:logitRows:)``: the root (row 0) follows the
    /// cached context, node i is row i + 1. ``TreeLayout`` then gives each row's position and mask.
    public var batchParents: [Int] { [-1] + nodes.map { $0.parent + 1 } }
}

/// The drafter as the tree builders see it: for each prefix (draft tokens after the committed
/// sequence, oldest first; `[]` = right after it) the draft model's processed distribution q there.
/// Batched so that a model-backed oracle can score one tree level in one forward pass; returns one
/// distribution per prefix, in order.
public typealias DraftOracle = (_ prefixes: [[Int32]]) throws -> [TokenDistribution]

/// Why a draft tree builder refused its settings or its oracle's answer.
public enum DraftTreeBuilderError: Error, Equatable, CustomStringConvertible {
    /// A size setting (`topK`, `depth`, `totalTokens`, a branching factor) below its minimum.
    case invalidSetting(name: String, value: Int, minimum: Int)
    /// Sampled trees draw children at random; `.deterministic` is for top-k trees.
    case deterministicSampledTree
    /// The oracle returned a different number of distributions than prefixes it was given.
    case oracleCountMismatch(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .invalidSetting(let n, let v, let m): return "draft tree setting \(n) = \(v) is below its minimum \(m)"
        case .deterministicSampledTree: return "a sampled draft tree must be drawn with or without replacement"
        case .oracleCountMismatch(let e, let a): return "draft oracle returned \(a) distributions for \(e) prefixes"
        }
    }
}

/// Calls `oracle` and checks that it answered every prefix.
func ask(_ oracle: DraftOracle, _ prefixes: [[Int32]]) throws -> [TokenDistribution] {
    guard !prefixes.isEmpty else { return [] }
    let out = try oracle(prefixes)
    guard out.count == prefixes.count else {
        throw DraftTreeBuilderError.oracleCountMismatch(expected: prefixes.count, actual: out.count)
    }
    return out
}
