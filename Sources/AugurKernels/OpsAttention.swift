import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which cache positions each query row of an attention call may see.
///
/// Causal decoding uses ``causal(firstPosition:)``; a tree verifier (several candidate branches in
/// one batch) passes explicit ranges per row. Each row visits its visible positions in ascending
/// order, in tiles of consecutive *visible* positions (a tile may span several ranges), so a row's
/// result depends only on its query and the sequence of keys it sees — not on how many other rows
/// share the call (M-invariance), nor on where in the cache those keys sit: a tree node whose
/// ancestors are scattered over the batch gets bit for bit the result of the same tokens run as a
/// chain.
public struct AttentionMask {
    enum Kind {
        case causal(Int)
        case ranges([[Range<Int>]])
    }
    let kind: Kind

    /// Row `i` sees positions `0 ... firstPosition + i` (it sits at `firstPosition + i`).
    public static func causal(firstPosition: Int) -> AttentionMask { AttentionMask(kind: .causal(firstPosition)) }

    /// Row `i` sees the positions in `perRow[i]`: ranges ascending, disjoint, and non-empty overall.
    public static func ranges(_ perRow: [[Range<Int>]]) -> AttentionMask { AttentionMask(kind: .ranges(perRow)) }

    /// Calls `body` with each visible range of row `row`, in ascending order.
    @inline(__always)
    func forEachRange(row: Int, _ body: (Range<Int>) -> Void) {
        switch kind {
        case .causal(let first): body(0..<(first + row + 1))
        case .ranges(let all): for r in all[row] where !r.isEmpty { body(r) }
        }
    }
}

/// Geometry of grouped-query attention (Ainslie et al. 2023, "GQA"): `headCount` query heads share
/// `kvHeadCount` key/value heads, query head `h` reading KV head `h / (headCount / kvHeadCount)`.
public struct AttentionShape: Sendable, Equatable {
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    /// Distance in elements between KV heads in the key and value buffers
    /// (positions per head × `headDim`; the cache's capacity × `headDim`).
    public var kvHeadStride: Int

    public init(headCount: Int, kvHeadCount: Int, headDim: Int, kvHeadStride: Int) {
        precondition(headCount % kvHeadCount == 0)
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.kvHeadStride = kvHeadStride
    }
}

/// Scaled dot-product attention (Vaswani et al. 2017, eq. 1) of M query rows over f16 keys and
/// values: `out = softmax(q·Kᵀ / √d) · V` per query head, over the positions the mask allows.
public enum Attention {
    /// Positions scored per tile of the streaming softmax (Milakov & Gimelshein 2018, "Online
    /// normalizer calculation for softmax"; the tiling of FlashAttention, Dao et al. 2022).
    static let tile = 64

    /// - Parameters:
    ///   - queries: `rowCount × headCount × headDim` floats (after RoPE).
    ///   - keys, values: one layer of the cache, `[kvHead][position][headDim]` f16, heads
    ///     `shape.kvHeadStride` elements apart.
    ///   - mask: visible positions per row; every row must see at least one position.
    ///   - out: `rowCount × headCount × headDim` floats.
    ///
    /// Work is split over (row, KV head) pairs across cores; each pair streams its keys once for all
    /// query heads of its group.
    public static func attend(queries: UnsafePointer<Float>, rowCount: Int, keys: UnsafePointer<Float16>,
                              values: UnsafePointer<Float16>, shape: AttentionShape, mask: AttentionMask,
                              into out: UnsafeMutablePointer<Float>) {
        let tasks = rowCount * shape.kvHeadCount
        let group = shape.headCount / shape.kvHeadCount
        let scratchCount = group * tile + 2 * shape.headDim + 2 * group
        let work = { (t: Int) in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchCount) { buf in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: tile) { slots in
                    attendGroup(row: t / shape.kvHeadCount, kvHead: t % shape.kvHeadCount, queries: queries,
                                keys: keys, values: values, shape: shape, mask: mask, out: out,
                                scratch: buf.baseAddress!, slots: slots.baseAddress!)
                }
            }
        }
        WorkerPool.forEach(tasks) { t, _ in work(t) }
    }

    /// One row × one KV head: the `group` query heads sharing it, with an online softmax per head.
    /// `slots` (`tile` entries) collects the positions of the tile being filled.
    @inline(__always)
    static func attendGroup(row: Int, kvHead: Int, queries: UnsafePointer<Float>, keys: UnsafePointer<Float16>,
                            values: UnsafePointer<Float16>, shape: AttentionShape, mask: AttentionMask,
                            out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                            slots: UnsafeMutablePointer<Int>) {
        let hd = shape.headDim
        let group = shape.headCount / shape.kvHeadCount
        let firstHead = kvHead * group
        let q = queries + (row * shape.headCount + firstHead) * hd
        let acc = out + (row * shape.headCount + firstHead) * hd   // group × hd accumulators
        let scores = scratch                                       // group × tile
        let kRow = scratch + group * tile                          // hd
        let vRow = kRow + hd                                       // hd
        let runMax = vRow + hd                                     // group
        let runSum = runMax + group                                // group
        let kBase = keys + kvHead * shape.kvHeadStride
        let vBase = values + kvHead * shape.kvHeadStride
        let scale = 1 / Float(hd).squareRoot()
        for i in 0..<(group * hd) { acc[i] = 0 }
        for g in 0..<group { runMax[g] = -Float.infinity; runSum[g] = 0 }

        // Folds the `n` positions gathered in `slots` into the running softmax and accumulators.
        func foldTile(_ n: Int) {
            // Scores of this tile for every head of the group.
            for j in 0..<n {
                Half.widen(kBase + slots[j] * hd, into: kRow, count: hd)
                for g in 0..<group { scores[g * tile + j] = dot(q + g * hd, kRow, hd) * scale }
            }
            // Fold the tile into each head's running max and sum; rescale its accumulator.
            for g in 0..<group {
                let s = scores + g * tile
                var m = runMax[g]
                for j in 0..<n { m = max(m, s[j]) }
                let correction = FastExp.exp(runMax[g] - m)
                if m != runMax[g] {
                    scaleInPlace(acc + g * hd, correction, hd)
                    runSum[g] *= correction
                }
                runMax[g] = m
                var sum: Float = 0
                for j in 0..<n { s[j] = FastExp.exp(s[j] - m); sum += s[j] }
                runSum[g] += sum
            }
            for j in 0..<n {
                Half.widen(vBase + slots[j] * hd, into: vRow, count: hd)
                for g in 0..<group { addScaled(acc + g * hd, vRow, scores[g * tile + j], hd) }
            }
        }
        var filled = 0
        mask.forEachRange(row: row) { range in
            for position in range {
                slots[filled] = position
                filled += 1
                if filled == tile { foldTile(tile); filled = 0 }
            }
        }
        if filled > 0 { foldTile(filled) }
        for g in 0..<group { scaleInPlace(acc + g * hd, 1 / runSum[g], hd) }
    }

    /// Scalar twin of ``attend(queries:rowCount:keys:values:shape:mask:into:)``: two passes
    /// (all scores, then softmax, then the weighted sum of values) per row and query head.
    public static func attendReference(queries: UnsafePointer<Float>, rowCount: Int, keys: UnsafePointer<Float16>,
                                       values: UnsafePointer<Float16>, shape: AttentionShape, mask: AttentionMask,
                                       into out: UnsafeMutablePointer<Float>) {
        let hd = shape.headDim
        let group = shape.headCount / shape.kvHeadCount
        for row in 0..<rowCount {
            var positions: [Int] = []
            mask.forEachRange(row: row) { positions.append(contentsOf: $0) }
            for h in 0..<shape.headCount {
                let q = queries + (row * shape.headCount + h) * hd
                let k = keys + (h / group) * shape.kvHeadStride
                let v = values + (h / group) * shape.kvHeadStride
                var scores = positions.map { p -> Double in
                    var s = 0.0
                    for i in 0..<hd { s += Double(q[i]) * Double(Float(k[p * hd + i])) }
                    return s / Double(hd).squareRoot()
                }
                let mx = scores.max()!
                scores = scores.map { exp($0 - mx) }
                let total = scores.reduce(0, +)
                let o = out + (row * shape.headCount + h) * hd
                for i in 0..<hd {
                    var s = 0.0
                    for (j, p) in positions.enumerated() { s += scores[j] * Double(Float(v[p * hd + i])) }
                    o[i] = Float(s / total)
                }
            }
        }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            acc0.addProduct(loadSIMD8(a + i), loadSIMD8(b + i))
            acc1.addProduct(loadSIMD8(a + i + 8), loadSIMD8(b + i + 8))
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    @inline(__always)
    static func scaleInPlace(_ x: UnsafeMutablePointer<Float>, _ c: Float, _ n: Int) {
        var i = 0
        let cv = SIMD8<Float>(repeating: c)
        while i + 8 <= n { storeSIMD8(loadSIMD8(x + i) * cv, x + i); i += 8 }
        while i < n { x[i] *= c; i += 1 }
    }

    @inline(__always)
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ c: Float, _ n: Int) {
        var i = 0
        let cv = SIMD8<Float>(repeating: c)
        while i + 8 <= n {
            var a = loadSIMD8(y + i)
            a.addProduct(loadSIMD8(x + i), cv)
            storeSIMD8(a, y + i)
            i += 8
        }
        while i < n { y[i] += x[i] * c; i += 1 }
    }
}
