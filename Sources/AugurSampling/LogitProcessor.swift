/// A stateful edit of the logits before the sampler chain: the seam for grammars, JSON schemas,
/// banned sequences and other constraints that depend on the tokens generated so far.
///
/// Lifecycle, driven by the decode loop through `Sampler`:
/// 1. `process` edits the logits of the next position (e.g. sets disallowed ids to -∞);
/// 2. `accept` advances the state past the token that joined the sequence;
/// 3. `rollback(to:)` returns to the state after `count` accepted tokens, when speculative
///    verification rejects drafted tokens that were accepted provisionally.
///
/// Implementations must make `rollback` exact: after `rollback(to: n)`, `process` behaves as it did
/// right after the n-th `accept`.
public protocol LogitProcessor: AnyObject {
    /// Edits `logits` (one entry per vocabulary id) in place for the next position.
    func process(_ logits: UnsafeMutableBufferPointer<Float>)
    /// Advances the state past `token`.
    func accept(_ token: Int32)
    /// Number of tokens accepted since creation (or since the last `rollback`, plus what followed).
    var acceptedCount: Int { get }
    /// Restores the state after `count` accepted tokens; `count` ≤ `acceptedCount`.
    func rollback(to count: Int)
}

/// Bans ids until a given number of tokens have been accepted (e.g. suppress end-of-generation
/// before a minimum length). A small, complete `LogitProcessor`, also used to test the seam.
public final class SuppressTokensProcessor: LogitProcessor {
    public let tokens: [Int32]
    /// Ids are banned while `acceptedCount < untilCount`.
    public let untilCount: Int
    public private(set) var acceptedCount = 0

    public init(tokens: [Int32], untilCount: Int = .max) {
        self.tokens = tokens
        self.untilCount = untilCount
    }

    public func process(_ logits: UnsafeMutableBufferPointer<Float>) {
        guard acceptedCount < untilCount else { return }
        for t in tokens where t >= 0 && Int(t) < logits.count { logits[Int(t)] = -.infinity }
    }

    public func accept(_ token: Int32) { acceptedCount += 1 }

    public func rollback(to count: Int) {
        precondition(count <= acceptedCount, "cannot roll forward")
        acceptedCount = count
    }
}
