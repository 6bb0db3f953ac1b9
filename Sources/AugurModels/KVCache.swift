import AugurKernels

/// Per-layer keys and values of the positions a sequence has seen, stored as f16.
///
/// Storage is allocated once, for `capacity` positions, when the cache is made; nothing is
/// allocated per token. Layout per layer: keys `[kvHead][position][headDim]`, then values with the
/// same shape, so attention streams one KV head's positions contiguously. Untouched pages of the
/// allocation are not resident, so a large capacity costs memory only as it fills.
///
/// A model writes the K/V of new positions at slots `count ..< count + n` and then calls
/// ``advance(by:)``; rollback (rejected speculative tokens) is ``truncate(to:)``.
public final class KVCache {
    /// Positions held.
    public private(set) var count: Int = 0
    /// Positions it can hold (allocated up front).
    public let capacity: Int
    /// Shape the cache was made for (0 layers for a count-only cache).
    public let layerCount: Int
    public let kvHeadCount: Int
    public let headDim: Int
    /// `layerCount × 2 × kvHeadCount × capacity × headDim` halves.
    private let storage: UnsafeMutablePointer<Float16>?

    /// A count-only cache with no storage: for test doubles of ``LanguageModel`` that just need
    /// positions to be counted, advanced and truncated.
    public convenience init(capacity: Int) {
        self.init(capacity: capacity, layerCount: 0, kvHeadCount: 0, headDim: 0)
    }

    /// A cache for `capacity` positions of a model with the given shape.
    public init(capacity: Int, layerCount: Int, kvHeadCount: Int, headDim: Int) {
        precondition(capacity >= 0 && layerCount >= 0 && kvHeadCount >= 0 && headDim >= 0)
        self.capacity = capacity
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        let total = layerCount * 2 * kvHeadCount * capacity * headDim
        storage = total > 0 ? UnsafeMutablePointer<Float16>.allocate(capacity: total) : nil
    }

    deinit { storage?.deallocate() }

    /// Bytes of K/V storage allocated (not necessarily resident).
    public var byteCount: Int { layerCount * 2 * kvHeadCount * capacity * headDim * MemoryLayout<Float16>.size }

    /// Elements between consecutive KV heads of one layer's keys (or values).
    public var kvHeadStride: Int { capacity * headDim }

    /// Elements of one layer's keys (equal to its values).
    private var layerHalf: Int { kvHeadCount * kvHeadStride }

    /// Keys of layer `layer`: `[kvHead][position][headDim]`.
    public func keys(layer: Int) -> UnsafeMutablePointer<Float16> {
        precondition(layer >= 0 && layer < layerCount, "KVCache has no layer \(layer)")
        return storage! + layer * 2 * layerHalf
    }

    /// Values of layer `layer`: `[kvHead][position][headDim]`.
    public func values(layer: Int) -> UnsafeMutablePointer<Float16> {
        keys(layer: layer) + layerHalf
    }

    /// Writes the keys and values of one position of one layer (rounding to f16).
    /// - Parameters:
    ///   - key, value: `kvHeadCount × headDim` floats each.
    ///   - position: a slot below `capacity` (normally `count + i`; it becomes visible to
    ///     ``count`` only through ``advance(by:)``).
    public func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        precondition(position >= 0 && position < capacity, "KVCache slot \(position) outside capacity \(capacity)")
        let k = keys(layer: layer), v = values(layer: layer)
        for h in 0..<kvHeadCount {
            let offset = h * kvHeadStride + position * headDim
            Half.narrow(key + h * headDim, into: k + offset, count: headDim)
            Half.narrow(value + h * headDim, into: v + offset, count: headDim)
        }
    }

    /// Throws unless `n` more positions fit.
    /// - Throws: `ModelError.contextFull` (nothing changes).
    public func checkRoom(for n: Int) throws {
        guard n <= capacity - count else {
            throw ModelError.contextFull(capacity: capacity, used: count, requested: n)
        }
    }

    /// Marks `n` more positions, whose K/V were stored at slots `count ..< count + n`, as held.
    /// - Throws: `ModelError.contextFull` when they do not fit (nothing changes).
    public func advance(by n: Int) throws {
        precondition(n >= 0)
        try checkRoom(for: n)
        count += n
    }

    /// Keeps, after the first `base` positions, only the positions `slots` (ascending, each in
    /// `base ..< count`), moved down to `base, base + 1, …` in every layer and head, and drops the
    /// rest: the accepted path of a verified token tree replaces the whole tree.
    /// Moving is safe in place: slot `slots[i] ≥ base + i` and later sources lie above it.
    public func compact(keeping slots: [Int], from base: Int) {
        precondition(base >= 0 && base <= count)
        for (i, slot) in slots.enumerated() {
            precondition(slot >= base && slot < count && (i == 0 || slot > slots[i - 1]), "compact: slots must ascend within base..<count")
            let destination = base + i
            guard destination != slot, storage != nil else { continue }
            for layer in 0..<layerCount {
                for half in [keys(layer: layer), values(layer: layer)] {
                    for h in 0..<kvHeadCount {
                        let head = half + h * kvHeadStride
                        (head + destination * headDim).update(from: head + slot * headDim, count: headDim)
                    }
                }
            }
        }
        count = base + slots.count
    }

    /// Drops every position at or after `length` (rollback). `length` must be ≤ `count`.
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= count)
        count = length
    }
}
