/// Per-layer keys and values of the positions a sequence has seen (STUB: being written).
public final class KVCache {
    /// Positions held.
    public private(set) var count: Int = 0
    /// Positions it can hold (allocated up front).
    public let capacity: Int

    public init(capacity: Int) { self.capacity = capacity }

    /// Drops every position at or after `length` (rollback). `length` must be ≤ `count`.
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= count)
        count = length
    }
}
