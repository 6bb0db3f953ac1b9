import AugurSampling

/// Prompt lookup with several continuations as branches: the tree counterpart of
/// ``PromptLookupDrafter`` (zero model cost).
///
/// A round finds the longest n (`maxN` down to `minN`) whose suffix n-gram of the committed sequence
/// (prompt + output) occurs earlier with a following token, takes up to `branches` of those earlier
/// occurrences, latest first, and merges their continuations (each up to `depth` tokens, cut at the
/// end of the sequence) into a trie: a continuation sharing a prefix with an earlier-taken one shares
/// its nodes. An occurrence whose continuation equals one already taken adds no node and does not count
/// toward `branches` (repeated text would otherwise spend the branch budget on copies); at most
/// `64 × branches` occurrences are examined per round.
///
/// Tree shape: nodes are in insertion order (topological: a node is added after its parent), so
/// siblings are ordered by the recency of the occurrence that first reached them. Node cap
/// (`min(maxNodes, the step's budget)`), breadth rule: the latest occurrence's continuation is kept
/// whole first (cut to the cap if longer), then each older continuation, in recency order, adds its
/// new nodes from its root down while room remains; a continuation that no longer fits keeps its
/// prefix (so the tree holds a prefix of each continuation, the newest ones longest).
///
/// `sampling` is `.deterministic` (children are chosen, not drawn; siblings are distinct), so the
/// tree is verified as one-hot proposals and valid at any temperature. Sources: Saxena 2023, "Prompt
/// Lookup Decoding"; SpecInfer (arXiv 2305.09781) for merging several speculations into one token tree.
/// Not thread-safe.
public final class PromptLookupTreeDrafter: TreeDrafter {
    /// Vocabulary size the trees' token ids index (the target's).
    public let vocabularySize: Int
    /// Most continuations (distinct occurrences) per tree (≥ 1).
    public let branches: Int
    /// Tokens per continuation = deepest node (≥ 1).
    public let depth: Int
    /// Most nodes per tree (≥ 1), further capped by `draftTree`'s `maxNodes`.
    public let maxNodes: Int
    /// The n-gram index (its `maxDraft` is unused here).
    private let lookup: PromptLookupDrafter

    /// - Parameters:
    ///   - vocabularySize: the target's vocabulary size (``DraftTree`` checks ids against it).
    ///   - minN, maxN: n-gram sizes tried (clamped as ``PromptLookupDrafter/Options``).
    ///   - branches, depth, maxNodes: tree settings (each clamped to ≥ 1).
    public init(vocabularySize: Int, minN: Int = 1, maxN: Int = 3, branches: Int, depth: Int, maxNodes: Int) {
        self.vocabularySize = vocabularySize
        self.branches = max(1, branches)
        self.depth = max(1, depth)
        self.maxNodes = max(1, maxNodes)
        lookup = PromptLookupDrafter(options: .init(minN: minN, maxN: maxN, maxDraft: self.depth))
    }

    /// Indexes `prompt` (the index is rebuilt from scratch; `reusedPrefix` is not needed).
    public func begin(prompt: [Int32], reusedPrefix: Int) throws {
        lookup.begin(prompt: prompt)
    }

    /// Extends the index to `committed`.
    public func accept(committed: [Int32]) throws {
        lookup.accept(committed: committed)
    }

    /// The merged continuations after `context` (see the type's rules), at most `min(maxNodes,
    /// self.maxNodes)` nodes, or nil when no suffix n-gram occurs earlier or `maxNodes` < 1.
    /// - Throws: `DraftTreeError.tokenOutOfVocabulary` when `context` holds an id ≥ `vocabularySize`.
    public func draftTree(context: [Int32], maxNodes: Int) throws -> DraftTree? {
        let cap = min(maxNodes, self.maxNodes)
        guard cap > 0, let match = lookup.occurrences(context: context, limit: 64 * branches, scan: 64 * branches) else {
            return nil
        }
        var continuations: [ArraySlice<Int32>] = []
        for start in match.starts where continuations.count < branches {
            let from = start + match.n
            let c = context[from..<min(from + depth, context.count)]
            if !c.isEmpty && !continuations.contains(where: { $0.elementsEqual(c) }) { continuations.append(c) }
        }
        var nodes: [DraftTree.Node] = []
        var children: [[Int32: Int]] = [[:]]  // index 0 = root, i + 1 = node i
        merge: for c in continuations {
            var parent = -1
            for t in c {
                if let existing = children[parent + 1][t] { parent = existing; continue }
                guard nodes.count < cap else { break merge }
                nodes.append(DraftTree.Node(token: t, parent: parent))
                children.append([:])
                children[parent + 1][t] = nodes.count - 1
                parent = nodes.count - 1
            }
        }
        guard !nodes.isEmpty else { return nil }
        return try DraftTree(vocabularySize: vocabularySize, nodes: nodes, sampling: .deterministic)
    }
}
