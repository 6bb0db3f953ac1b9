/// Decayed per-position counts of what a drafter proposed and what the verifier accepted, pooled
/// over all rounds and kept apart per *draft class* (``Drafter/draftClass(context:)``: e.g. how long
/// a prompt-lookup match is), for ``AdaptiveDraftLength``.
///
/// Estimates, each a Beta-style mean with a prior worth two observations:
/// - pooled conditional acceptance a_i (accepted at draft position i given all before i were
///   accepted), the prior centred on a_{i−1} and on `acceptancePrior` at i = 0, so positions rarely
///   reached inherit the rate of the ones before them instead of looking worse than they are;
/// - pooled proposal rate s_i (the drafter proposes position i once it got there), centred on s_{i−1}
///   and on 0.9 at i = 0 (drafters usually propose something);
/// - per class, the same counts with the prior centred on the pooled estimate at that position, so a
///   class seen rarely behaves like the pool and a class seen often follows its own record.
///
/// Counts decay by `decay` per observation at the same position, so the estimates follow the text.
public struct AcceptanceStatistics: Sendable {
    /// Classes kept apart; draft classes outside 0..<classCount count as the nearest one.
    public static let classCount = 5

    /// Draft positions tracked (the longest draft).
    public let positions: Int
    /// Weight kept by old counts per new observation at the same position.
    public var decay: Double = 0.95
    /// Prior mean of a_0.
    public var acceptancePrior: Double = 0.5

    private struct Counts: Sendable {
        var accepts: [Double], attempts: [Double], proposals: [Double], reaches: [Double]

        init(positions: Int) {
            accepts = Array(repeating: 0, count: positions)
            attempts = accepts
            proposals = accepts
            reaches = accepts
        }

        /// Adds one round of `requested` positions asked, `drafted` proposed, `accepted` accepted.
        mutating func observe(requested: Int, drafted: Int, accepted: Int, decay: Double) {
            func add(_ hits: inout [Double], _ tries: inout [Double], _ i: Int, hit: Bool) {
                hits[i] *= decay
                tries[i] *= decay
                tries[i] += 1
                if hit { hits[i] += 1 }
            }
            for i in 0..<min(drafted + 1, requested, reaches.count) {
                add(&proposals, &reaches, i, hit: i < drafted)
            }
            for i in 0..<min(accepted + 1, drafted, attempts.count) {
                add(&accepts, &attempts, i, hit: i < accepted)
            }
        }
    }

    private var pooled: Counts
    private var byClass: [Counts]

    /// - Parameter positions: draft positions tracked (≥ 1).
    public init(positions: Int) {
        self.positions = max(1, positions)
        pooled = Counts(positions: self.positions)
        byClass = Array(repeating: pooled, count: Self.classCount)
    }

    /// `c` clamped to the tracked classes.
    public static func clamp(_ c: Int) -> Int { min(max(0, c), classCount - 1) }

    /// Pooled a_i, i in 0..<positions.
    public func acceptance(at i: Int) -> Double {
        let prior = i == 0 ? acceptancePrior : acceptance(at: i - 1)
        return (pooled.accepts[i] + 2 * prior) / (pooled.attempts[i] + 2)
    }

    /// Pooled s_i, i in 0..<positions.
    public func proposal(at i: Int) -> Double {
        let prior = i == 0 ? 0.9 : proposal(at: i - 1)
        return (pooled.proposals[i] + 2 * prior) / (pooled.reaches[i] + 2)
    }

    /// a_i in draft class `c`.
    public func acceptance(at i: Int, class c: Int) -> Double {
        let counts = byClass[Self.clamp(c)]
        return (counts.accepts[i] + 2 * acceptance(at: i)) / (counts.attempts[i] + 2)
    }

    /// s_i in draft class `c`.
    public func proposal(at i: Int, class c: Int) -> Double {
        let counts = byClass[Self.clamp(c)]
        return (counts.proposals[i] + 2 * proposal(at: i)) / (counts.reaches[i] + 2)
    }

    /// Adds a round of draft class `c`: `requested` positions asked for, `drafted` proposed,
    /// `accepted` accepted.
    public mutating func record(requested: Int, drafted: Int, accepted: Int, class c: Int) {
        pooled.observe(requested: requested, drafted: drafted, accepted: accepted, decay: decay)
        byClass[Self.clamp(c)].observe(requested: requested, drafted: drafted, accepted: accepted, decay: decay)
    }

    /// Forgets every count (a new generation's text); keeps `decay` and `acceptancePrior`.
    public mutating func reset() {
        pooled = Counts(positions: positions)
        byClass = Array(repeating: pooled, count: Self.classCount)
    }
}
