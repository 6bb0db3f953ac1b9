import AugurGGUF

/// Plain scalar twins of the fused matmul kernels (``MatmulBackend/c`` and ``MatmulBackend/swift``).
///
/// Each `dotReference_<weight>_<activation>` returns one output element: the product of one stored
/// weight row with one quantized activation row (``QuantizedActivations/Row``), following
/// llama.cpp's `ggml_vec_dot_<w>_q8_<0|K>` arithmetic: exact integer sums per block, scaled in float.
///
/// **Canonical float order** (what makes every backend bit-identical, and row m independent of M):
/// - 32-element block types: block b contributes `fma(d_w·d_a, Float(isum_b), lane[b mod 8])`
///   (Q4_1 then `fma(m_w, d_a·Float(Σq_a), lane)`); the block count is padded to a multiple of 8
///   with zero blocks; the result is `((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))`.
/// - K-quants: 8 float lanes; per super-block, lane l gets the exact integer sum I_l of the
///   elements with (e mod 32)/4 == l (times their sub-block scales) and, for Q4_K/Q5_K, the min
///   term Imin_l of sub-block l: `lane = fma(d_w·d_a, Float(I_l), lane)`, then
///   `lane = fma(-(dmin_w·d_a), Float(Imin_l), lane)` (Q6_K folds −32·Σsc·y into I_l); the
///   same 8-lane reduction at the end.
/// - Grouped Q4_K (``WeightLayout/q4KGrouped``): lane l holds sub-block l alone: I_l = s_l·Σ q·y and
///   Imin_l = m_l·Σ y over its 32 elements; `u = -dmin_w · Float(Imin_l)`, `u = fma(d_w, Float(I_l), u)`,
///   `lane = fma(d_a, u, lane)`; the same reduction.
/// - Float weights: element k goes to lane k mod 32 by fma; lanes l, l+8, l+16, l+24 are summed as
///   `(a+b)+(c+d)`, then the 8-lane reduction above.
public enum MatmulReference {
    /// `((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))`, the 8-lane reduction all backends use.
    @inline(__always)
    static func reduce8(_ l: SIMD8<Float>) -> Float {
        ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
    }

    /// Little-endian IEEE half at `p + offset`, widened exactly.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int = 0) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// Float dot product in the canonical 32-lane order.
    public static func dotReference_f32(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count k: Int) -> Float {
        var lanes = [Float](repeating: 0, count: 32)
        for i in 0..<k { lanes[i % 32] = lanes[i % 32].addingProduct(w[i], x[i]) }
        var v = SIMD8<Float>()
        for l in 0..<8 { v[l] = (lanes[l] + lanes[8 + l]) + (lanes[16 + l] + lanes[24 + l]) }
        return reduce8(v)
    }

    /// Widens one F32/F16/BF16 row to floats (exact).
    static func widenRow(_ type: GGMLType, _ row: UnsafeRawPointer, count k: Int, into dst: UnsafeMutablePointer<Float>) {
        for i in 0..<k {
            switch type {
            case .f32: dst[i] = row.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
            case .f16: dst[i] = half(row, 2 * i)
            default: dst[i] = Float(bitPattern: UInt32(row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        }
    }

    /// One output element with the scalar twin for `type` (a quantized supported type).
    public static func dot(_ type: GGMLType, _ row: UnsafeRawPointer, _ a: QuantizedActivations.Row, count k: Int) -> Float {
        switch type {
        case .q4_0: return dotReference_q4_0_q8_0(row, a, count: k)
        case .q4_1: return dotReference_q4_1_q8_0(row, a, count: k)
        case .q5_0: return dotReference_q5_0_q8_0(row, a, count: k)
        case .q8_0: return dotReference_q8_0_q8_0(row, a, count: k)
        case .q4_K: return dotReference_q4K_q8K(row, a, count: k)
        case .q5_K: return dotReference_q5K_q8K(row, a, count: k)
        case .q6_K: return dotReference_q6K_q8K(row, a, count: k)
        default: preconditionFailure("MatmulReference.dot: \(type) is not a quantized matmul type")
        }
    }

    /// The scalar twin of ``Matmul/multiply(_:_:rowCount:into:)``: same signature and bit-identical
    /// result, one thread, scalar code. `activations` is scratch for the quantized rows.
    public static func multiply(_ w: WeightMatrix, _ x: UnsafePointer<Float>, rowCount m: Int,
                                into y: UnsafeMutablePointer<Float>, activations: QuantizedActivations = QuantizedActivations()) {
        let n = w.rows, k = w.cols
        guard let layout = ActivationQuant.layout(for: w.type) else {
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: k)
            defer { tmp.deallocate() }
            for r in 0..<n {
                widenRow(w.type, w.row(r), count: k, into: tmp)
                for i in 0..<m { y[i * n + r] = dotReference_f32(tmp, x + i * k, count: k) }
            }
            return
        }
        ActivationQuant.quantize(x, rowCount: m, cols: k, layout: layout, into: activations, backend: .reference)
        for r in 0..<n {
            for i in 0..<m {
                y[i * n + r] = w.layout == .q4KGrouped
                    ? dotReference_q4KGrouped_q8K(w.row(r), activations.row(i), count: k)
                    : dot(w.type, w.row(r), activations.row(i), count: k)
            }
        }
    }
}
