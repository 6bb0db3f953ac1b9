import Foundation

/// Chooses how many nodes the next draft tree may have (0: decode the round plainly).
public protocol TreeSizePolicy: AnyObject {
    /// The node budget for the next round, in 0...`maximum`.
    func nextTreeSize(maximum: Int) -> Int
    /// What a round with budget `size` cost (`seconds`: drafting, target pass and verification) and
    /// gave (`emitted` tokens).
    func record(size: Int, seconds: Double, emitted: Int)
    /// A new generation starts (what was learnt about the hardware and the drafter is kept).
    func beginGeneration()
}

/// The same budget every round (`--draft-policy fixed`): reproducible runs.
public final class FixedTreeSize: TreeSizePolicy {
    public let size: Int
    public init(_ size: Int) { self.size = max(0, size) }
    public func nextTreeSize(maximum: Int) -> Int { min(size, maximum) }
    public func record(size: Int, seconds: Double, emitted: Int) {}
    public func beginGeneration() {}
}

/// Picks the tree budget with the lowest measured seconds per emitted token among a few candidates
/// — plain decoding (0), a quarter, half and all of `maximum` nodes — so the tree size follows this
/// machine's verification cost (`augur bench --verify-cost`: on a 2-core CPU a 9-row pass costs
/// ~2.9 single-row passes) and the acceptance the drafter actually gets, instead of a constant.
///
/// Each candidate's cost is a ratio of decayed sums (seconds / tokens, old rounds weighing
/// `decay` per newer round of the same candidate). Every candidate is tried `warmUpRounds` times
/// first (largest first); afterwards the cheapest is used, and every `exploreInterval`-th round
/// re-measures another candidate in turn, because acceptance changes along the text.
public final class AdaptiveTreeSize: TreeSizePolicy {
    /// Budgets tried, ascending, 0 (plain decoding) first.
    public let candidates: [Int]
    public var warmUpRounds = 2
    public var exploreInterval = 16
    public var decay = 0.8
    private var seconds: [Double]
    private var tokens: [Double]
    private var observations: [Int]
    private var round = 0
    private var nextExplored = 0

    /// - Parameter maximum: the largest budget (`--tree-tokens`), ≥ 1.
    public init(maximum: Int) {
        let m = max(1, maximum)
        candidates = Array(Set([0, max(1, m / 4), max(1, m / 2), m])).sorted()
        seconds = Array(repeating: 0, count: candidates.count)
        tokens = seconds
        observations = Array(repeating: 0, count: candidates.count)
    }

    /// Measured seconds per emitted token of candidate `index`; nil before it ran.
    public func secondsPerToken(candidate index: Int) -> Double? {
        tokens[index] > 0 ? seconds[index] / tokens[index] : nil
    }

    public func nextTreeSize(maximum: Int) -> Int {
        round += 1
        let usable = candidates.indices.filter { candidates[$0] <= maximum }
        // Warm-up: the largest usable candidate not yet measured enough.
        if let i = usable.reversed().first(where: { observations[$0] < warmUpRounds }) { return candidates[i] }
        let best = usable.min { (secondsPerToken(candidate: $0) ?? .infinity) < (secondsPerToken(candidate: $1) ?? .infinity) } ?? 0
        if round % exploreInterval == 0, usable.count > 1 {
            nextExplored = (nextExplored + 1) % usable.count
            if usable[nextExplored] == best { nextExplored = (nextExplored + 1) % usable.count }
            return candidates[usable[nextExplored]]
        }
        return candidates[best]
    }

    public func record(size: Int, seconds s: Double, emitted: Int) {
        guard let i = candidates.firstIndex(of: size), s > 0, emitted > 0 else { return }
        seconds[i] = seconds[i] * decay + s
        tokens[i] = tokens[i] * decay + Double(emitted)
        observations[i] += 1
    }

    public func beginGeneration() {}
}
