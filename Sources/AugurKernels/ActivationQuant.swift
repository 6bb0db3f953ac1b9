import AugurGGUF
import AugurKernelsC

/// Activation rows quantized to signed 8-bit blocks, the right-hand operand of the fused
/// quantized matmuls (llama.cpp quantizes activations the same way: `quantize_row_q8_0` / `_q8_K`,
/// ggml-quants.c; the scale is kept as a Float here instead of fp16 / per-row Q8_K storage).
///
/// Two block layouts, chosen by the weight type:
/// - ``Layout/q8x32`` (for Q4_0, Q4_1, Q5_0, Q8_0 weights): per 32 elements a scale `d = amax/127`
///   and the sum of the 32 quants (used for the weights' offsets and Q4_1's min term).
/// - ``Layout/q8x256`` (for Q4_K, Q5_K, Q6_K): per 256 elements a scale, and per 16 elements
///   the sum of the quants (`bsums`, for the sub-block mins / the Q6_K offset).
///
/// Quants are `round-to-nearest-even(x · (127 / amax))`, in [-127, 127]. Storage is allocated once
/// and grows only when a call needs more rows or columns than any call before (never in steady
/// state); the object is not thread-safe.
public final class QuantizedActivations {
    /// Block layout of the activation quantization.
    public enum Layout: Sendable {
        case q8x32, q8x256
    }

    /// One quantized row (pointers into the shared buffers).
    public struct Row {
        public let qs: UnsafePointer<Int8>
        /// Per-block scales (32- or 256-element blocks).
        public let d: UnsafePointer<Float>
        /// Per-32-block quant sums (``Layout/q8x32`` only).
        public let sums: UnsafePointer<Int32>
        /// Per-16-element quant sums (``Layout/q8x256`` only).
        public let bsums: UnsafePointer<Int16>
    }

    public private(set) var rows = 0
    public private(set) var cols = 0
    public private(set) var layout = Layout.q8x32
    private var capQs = 0, capD = 0, capS = 0, capB = 0, capG = 0
    /// Whether ``gqs`` holds the current quantization rearranged for grouped Q4_K weights.
    private(set) var hasGrouped = false
    private(set) var qs: UnsafeMutablePointer<Int8>
    /// ``qs`` rearranged per 256-block for ``WeightLayout/q4KGrouped`` weights (``groupForQ4K()``).
    private(set) var gqs: UnsafeMutablePointer<Int8>
    private(set) var d: UnsafeMutablePointer<Float>
    private(set) var sums: UnsafeMutablePointer<Int32>
    private(set) var bsums: UnsafeMutablePointer<Int16>

    public init() {
        qs = .allocate(capacity: 1)
        d = .allocate(capacity: 1)
        sums = .allocate(capacity: 1)
        bsums = .allocate(capacity: 1)
        gqs = .allocate(capacity: 1)
    }

    deinit {
        qs.deallocate()
        d.deallocate()
        sums.deallocate()
        bsums.deallocate()
        gqs.deallocate()
    }

    /// Elements between consecutive rows of `qs`.
    var qsStride: Int { cols }
    /// Elements between rows of `d` and `sums`: blocks rounded up to a multiple of 8 (zero padded).
    var dStride: Int { layout == .q8x32 ? (cols / 32 + 7) / 8 * 8 : cols / 256 }
    /// Elements between rows of `bsums`.
    var bsumStride: Int { cols / 16 }

    /// Sets the shape for the next quantization, growing storage if needed.
    func prepare(rows m: Int, cols k: Int, layout: Layout) {
        rows = m
        cols = k
        self.layout = layout
        hasGrouped = false
        // 256 spare bytes: the 32-block kernels read whole groups of 8 blocks (zero weights in
        // the padded part), so the last row's tail group may read past the row's end.
        qs = grown(qs, &capQs, m * qsStride + 256)
        d = grown(d, &capD, m * dStride)
        sums = grown(sums, &capS, m * dStride)
        bsums = grown(bsums, &capB, m * bsumStride)
    }

    /// `p` when it holds `need` elements, else a new zeroed buffer of `need` (the old one freed).
    private func grown<T: Numeric>(_ p: UnsafeMutablePointer<T>, _ cap: inout Int, _ need: Int) -> UnsafeMutablePointer<T> {
        guard need > cap else { return p }
        p.deallocate()
        cap = need
        let n = UnsafeMutablePointer<T>.allocate(capacity: need)
        n.initialize(repeating: 0, count: need)
        return n
    }

    /// Fills ``gqs`` from ``qs`` (AVX2; once per product that has grouped Q4_K weights). Needs the
    /// ``QuantizedActivations/Layout/q8x256`` layout.
    func groupForQ4K() {
        precondition(layout == .q8x256, "grouped Q4_K products need 256-element activation blocks")
        guard !hasGrouped else { return }
        gqs = grown(gqs, &capG, rows * qsStride)
        for m in 0..<rows { augur_group_q8_256(qs + m * qsStride, gqs + m * qsStride, Int32(cols)) }
        hasGrouped = true
    }

    /// Row `m` of the current quantization.
    public func row(_ m: Int) -> Row {
        Row(qs: qs + m * qsStride, d: d + m * dStride, sums: sums + m * dStride, bsums: bsums + m * bsumStride)
    }

    /// The C view of the current quantization.
    var cView: augur_act {
        augur_act(qs: qs, d: d, sums: sums, bsums: bsums, gqs: hasGrouped ? UnsafePointer(gqs) : nil,
                  qsStride: Int32(qsStride), dStride: Int32(dStride), bsumStride: Int32(bsumStride))
    }
}

/// Activation quantizers: AVX2 (C), Swift SIMD and the scalar reference, producing identical bytes.
public enum ActivationQuant {
    /// The layout a weight type's fused product needs, or nil for float weights.
    public static func layout(for type: GGMLType) -> QuantizedActivations.Layout? {
        switch type {
        case .q4_0, .q4_1, .q5_0, .q8_0: return .q8x32
        case .q4_K, .q5_K, .q6_K: return .q8x256
        default: return nil
        }
    }

    /// Quantizes `rowCount` rows of `cols` floats (row-major) into `out`.
    /// - Parameter backend: which implementation runs (all give identical results).
    public static func quantize(_ x: UnsafePointer<Float>, rowCount: Int, cols: Int, layout: QuantizedActivations.Layout,
                                into out: QuantizedActivations, backend: MatmulBackend) {
        out.prepare(rows: rowCount, cols: cols, layout: layout)
        for m in 0..<rowCount {
            let xr = x + m * cols
            let qs = out.qs + m * out.qsStride, d = out.d + m * out.dStride
            switch (backend, layout) {
            case (.c, .q8x32):
                augur_quantize_q8_32(xr, Int32(cols), qs, d, out.sums + m * out.dStride, Int32(out.dStride))
            case (.c, .q8x256):
                augur_quantize_q8_256(xr, Int32(cols), qs, d, out.bsums + m * out.bsumStride)
            case (.swift, .q8x32):
                quantizeRowSwift32(xr, cols, qs, d, out.sums + m * out.dStride, out.dStride)
            case (.swift, .q8x256):
                quantizeRowSwift256(xr, cols, qs, d, out.bsums + m * out.bsumStride)
            case (.reference, .q8x32):
                quantizeRowReference(xr, cols, block: 32, qs, d, sums: out.sums + m * out.dStride, padTo: out.dStride, bsums: nil)
            case (.reference, .q8x256):
                quantizeRowReference(xr, cols, block: 256, qs, d, sums: nil, padTo: 0, bsums: out.bsums + m * out.bsumStride)
            }
        }
    }

    /// Scalar reference: per block `d = amax/127`, `q = rne(x · (127/amax))`; per-block sums
    /// (32-blocks) or per-16 sums (256-blocks).
    public static func quantizeRowReference(_ x: UnsafePointer<Float>, _ k: Int, block: Int,
                                            _ qs: UnsafeMutablePointer<Int8>, _ d: UnsafeMutablePointer<Float>,
                                            sums: UnsafeMutablePointer<Int32>?, padTo: Int,
                                            bsums: UnsafeMutablePointer<Int16>?) {
        for b in 0..<(k / block) {
            var amax: Float = 0
            for i in 0..<block { amax = max(amax, abs(x[b * block + i])) }
            d[b] = amax / 127
            let id: Float = amax != 0 ? 127 / amax : 0
            var s: Int32 = 0
            for i in 0..<block {
                let q = Int8((x[b * block + i] * id).rounded(.toNearestOrEven))
                qs[b * block + i] = q
                s += Int32(q)
                if let bsums, i % 16 == 15 {
                    bsums[(b * block + i) / 16] = Int16(s)
                    s = 0
                }
            }
            sums?[b] = s
        }
        if let sums {
            for b in (k / block)..<max(padTo, k / block) { d[b] = 0; sums[b] = 0 }
        }
    }

    @inline(__always)
    static func quantize8(_ v: SIMD8<Float>, _ id: Float) -> SIMD8<Int32> {
        let r = (v * id).rounded(.toNearestOrEven)
        var o = SIMD8<Int32>()
        for i in 0..<8 { o[i] = Int32(r[i]) }
        return o
    }

    @inline(__always)
    static func amax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = SIMD8<Float>()
        var i = 0
        while i < n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            m = pointwiseMax(m, pointwiseMax(v, -v))
            i += 8
        }
        return m.max()
    }

    /// Quantizes 32 floats; returns the sums of the first and second 16 quants.
    @inline(__always)
    static func quantize32(_ x: UnsafePointer<Float>, _ id: Float, _ qs: UnsafeMutablePointer<Int8>) -> (Int32, Int32) {
        let raw = UnsafeRawPointer(x)
        var s0 = SIMD8<Int32>(), s1 = SIMD8<Int32>()
        for j in 0..<4 {
            let q = quantize8(raw.loadUnaligned(fromByteOffset: 32 * j, as: SIMD8<Float>.self), id)
            if j < 2 { s0 &+= q } else { s1 &+= q }
            var b = SIMD8<Int8>()
            for i in 0..<8 { b[i] = Int8(truncatingIfNeeded: q[i]) }
            UnsafeMutableRawPointer(qs + 8 * j).storeBytes(of: b, as: SIMD8<Int8>.self)
        }
        return (s0.wrappedSum(), s1.wrappedSum())
    }

    static func quantizeRowSwift32(_ x: UnsafePointer<Float>, _ k: Int, _ qs: UnsafeMutablePointer<Int8>,
                                   _ d: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Int32>, _ padTo: Int) {
        let nb = k / 32
        for b in 0..<nb {
            let a = amax(x + 32 * b, 32)
            d[b] = a / 127
            let (s0, s1) = quantize32(x + 32 * b, a != 0 ? 127 / a : 0, qs + 32 * b)
            sums[b] = s0 &+ s1
        }
        for b in nb..<max(nb, padTo) { d[b] = 0; sums[b] = 0 }
    }

    static func quantizeRowSwift256(_ x: UnsafePointer<Float>, _ k: Int, _ qs: UnsafeMutablePointer<Int8>,
                                    _ d: UnsafeMutablePointer<Float>, _ bsums: UnsafeMutablePointer<Int16>) {
        for s in 0..<(k / 256) {
            let a = amax(x + 256 * s, 256)
            d[s] = a / 127
            let id: Float = a != 0 ? 127 / a : 0
            for j in 0..<8 {
                let (s0, s1) = quantize32(x + 256 * s + 32 * j, id, qs + 256 * s + 32 * j)
                bsums[16 * s + 2 * j] = Int16(truncatingIfNeeded: s0)
                bsums[16 * s + 2 * j + 1] = Int16(truncatingIfNeeded: s1)
            }
        }
    }
}
