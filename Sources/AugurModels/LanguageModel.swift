import AugurGGUF

/// Which rows of a forward batch need logits. Logits of a row cost a pass over the output layer
/// (vocab × hidden), so prefill asks only for the last one.
public enum LogitRows: Sendable, Equatable {
    case all
    case last
    case none
}

/// Logits for some rows of a forward batch: `rowCount × vocabSize` floats, row-major.
public struct Logits: Sendable {
    public var rowCount: Int
    public var vocabSize: Int
    public var values: [Float]

    public init(rowCount: Int, vocabSize: Int, values: [Float]) {
        precondition(values.count == rowCount * vocabSize)
        self.rowCount = rowCount
        self.vocabSize = vocabSize
        self.values = values
    }

    /// Logits of row `i` (0-based among the returned rows).
    public func row(_ i: Int) -> ArraySlice<Float> {
        values[(i * vocabSize)..<((i + 1) * vocabSize)]
    }
}

/// Errors of a forward pass.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// The KV cache holds `used` of `capacity` positions and cannot take `requested` more.
    case contextFull(capacity: Int, used: Int, requested: Int)
    case tokenOutOfRange(token: Int32, vocabSize: Int)
    case unsupportedArchitecture(String)
    case badConfig(String)
    case emptyBatch
    /// A token tree whose parent links are not topological (parent ≥ child, or below −1) or that
    /// is larger than one forward batch.
    case invalidTree(String)

    public var description: String {
        switch self {
        case .contextFull(let c, let u, let r): return "context full: KV cache holds \(u) of \(c) positions, cannot add \(r) more"
        case .tokenOutOfRange(let t, let v): return "token id \(t) is outside the vocabulary (size \(v))"
        case .unsupportedArchitecture(let a): return "unsupported model architecture '\(a)' (supported: qwen2, llama)"
        case .badConfig(let m): return "invalid model configuration: \(m)"
        case .emptyBatch: return "forward called with no tokens"
        case .invalidTree(let m): return "invalid token tree: \(m)"
        }
    }
}

/// A causal language model that can score a batch of tokens in one forward pass.
///
/// Prefill, decode and (later) speculative verification are the same call: `tokens[i]` sits at
/// position `cache.count + i`, sees every cached position and the batch tokens before it, and its
/// K/V are appended to `cache`. Implementations are not thread-safe; use one per task.
public protocol LanguageModel: AnyObject {
    var config: ModelConfig { get }

    /// A KV cache able to hold `capacity` positions (allocated once, f16 by default).
    func makeCache(capacity: Int) -> KVCache

    /// Runs `tokens` after what `cache` holds and returns the logits of `rows`.
    /// - Throws: `ModelError.contextFull` (cache unchanged), `.tokenOutOfRange`, `.emptyBatch`.
    func forward(_ tokens: [Int32], cache: KVCache, rows: LogitRows) throws -> Logits
}

/// A model that can score a token tree in one forward pass (tree attention: SpecInfer, Miao et al.
/// 2024, arXiv 2305.09781, §4.2; EAGLE-2, Li et al. 2024, arXiv 2406.16858).
public protocol TreeLanguageModel: LanguageModel {
    /// Most nodes one ``forwardTree(_:parents:cache:logitRows:)`` takes (one batch).
    var maxTreeNodes: Int { get }

    /// Runs the nodes of a token tree after what `cache` holds and returns logits for every node.
    ///
    /// Node `i` is `tokens[i]`; `parents[i]` is the index of its parent node (< i), or −1 for a node
    /// that follows the cached context directly. With `base = cache.count` on entry, node i's K/V go
    /// to slot `base + i`, it sits at position `base + depth(i)` (roots at depth 0) and attends to
    /// the cached positions `0 ..< base` and to its ancestors and itself, in order of depth — so its
    /// logits are bit for bit those of the same tokens run as a chain. Afterwards `cache.count` is
    /// `base + tokens.count`: keep one path with ``KVCache/compact(keeping:from:)``.
    /// - Parameters:
    ///   - tokens: node tokens, parents before children (topological order).
    ///   - parents: `tokens.count` parent indices.
    ///   - logitRows: the nodes that need logits, ascending (nil: every node). The output layer is a
    ///     large share of a small model's step, so a drafter asks only for its frontier.
    /// - Returns: logits for `logitRows` (or every node), in that order.
    /// - Throws: `ModelError.invalidTree` (bad parents or rows, or more nodes than one batch),
    ///   `.emptyBatch`, `.tokenOutOfRange`, `.contextFull` (cache unchanged).
    func forwardTree(_ tokens: [Int32], parents: [Int], cache: KVCache, logitRows: [Int]?) throws -> Logits
}

extension TreeLanguageModel {
    /// ``forwardTree(_:parents:cache:logitRows:)`` with logits for every node.
    public func forwardTree(_ tokens: [Int32], parents: [Int], cache: KVCache) throws -> Logits {
        try forwardTree(tokens, parents: parents, cache: cache, logitRows: nil)
    }
}

/// Where the nodes of a token-tree batch sit and what they see: the one layout rule behind
/// ``TreeLanguageModel/forwardTree(_:parents:cache:logitRows:)``.
///
/// Batch node i (`parents[i]` < i, or −1 for a node right after the cached context) is stored at
/// slot `cachedLength + i`, sits at position `cachedLength + depth(i)` (roots at depth 0) and attends
/// to the cached positions `0 ..< cachedLength` and to the slots of its ancestors and itself.
public enum TreeLayout {
    /// Depth of each node (0 for a root). `parents` must be topological.
    public static func depths(parents: [Int]) -> [Int] {
        var depth = [Int](repeating: 0, count: parents.count)
        for (i, p) in parents.enumerated() where p >= 0 { depth[i] = depth[p] + 1 }
        return depth
    }

    /// Visible key ranges per node, for `AttentionMask.ranges`: ascending, disjoint, adjacent ones
    /// merged (so a chain-shaped path is one range, as in causal decoding).
    public static func visibleRanges(parents: [Int], cachedLength base: Int) -> [[Range<Int>]] {
        parents.indices.map { i in
            var chain = [i]
            var p = parents[i]
            while p >= 0 { chain.append(p); p = parents[p] }
            var ranges = base > 0 ? [0..<base] : []
            for node in chain.reversed() {
                let slot = base + node
                if let last = ranges.last, last.upperBound == slot {
                    ranges[ranges.count - 1] = last.lowerBound..<(slot + 1)
                } else {
                    ranges.append(slot..<(slot + 1))
                }
            }
            return ranges
        }
    }
}
