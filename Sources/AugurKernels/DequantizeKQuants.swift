/// Dequantization of the 256-element "k-quant" super-blocks (ggml-common.h block_q4_K, block_q5_K,
/// block_q6_K; decoding as ggml-quants.c dequantize_row_q4_K / q5_K / q6_K).
extension Dequantize {
    /// Scale and min of sub-block `j` (0..<8) from the 12 packed bytes of a Q4_K/Q5_K block
    /// (ggml-quants.c `get_scale_min_k4`): sub-blocks 0-3 keep 6-bit values in the low bits of
    /// bytes 0-3 (scales) and 4-7 (mins); sub-blocks 4-7 take their low 4 bits from bytes 8-11
    /// and their top 2 bits from the top bits of bytes 0-7.
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ q: UnsafePointer<UInt8>) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (q[j] & 63, q[j + 4] & 63)
        }
        return ((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }

    /// `{f16 d, dmin; u8 scales[12]; u8 qs[128]}`. Sub-block j (32 elements) reads the low
    /// (j even) or high (j odd) nibbles of qs[32·(j/2) ..< 32·(j/2)+32]; value
    /// `(d·sc_j)·q − (dmin·m_j)`.
    @inline(__always)
    static func q4_K(_ b: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(b), dmin = loadHalf(b + 2)
        let scales = b + 4, qs = b + 16
        for pair in 0..<4 {
            let (s0, m0) = scaleMinK4(2 * pair, scales)
            let (s1, m1) = scaleMinK4(2 * pair + 1, scales)
            let d0 = d * Float(s0), mm0 = dmin * Float(m0)
            let d1 = d * Float(s1), mm1 = dmin * Float(m1)
            let q = qs + 32 * pair, out = y + 64 * pair
            for l in 0..<32 {
                out[l] = d0 * Float(q[l] & 0x0F) - mm0
                out[l + 32] = d1 * Float(q[l] >> 4) - mm1
            }
        }
    }

    /// `{f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}`. Low 4 bits as Q4_K; bit j of qh[l]
    /// is bit 4 of element l of sub-block j; value `(d·sc_j)·q − (dmin·m_j)`.
    @inline(__always)
    static func q5_K(_ b: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(b), dmin = loadHalf(b + 2)
        let scales = b + 4, qh = b + 16, qs = b + 48
        for pair in 0..<4 {
            let (s0, m0) = scaleMinK4(2 * pair, scales)
            let (s1, m1) = scaleMinK4(2 * pair + 1, scales)
            let d0 = d * Float(s0), mm0 = dmin * Float(m0)
            let d1 = d * Float(s1), mm1 = dmin * Float(m1)
            let q = qs + 32 * pair, out = y + 64 * pair
            let shift0 = UInt8(2 * pair), shift1 = UInt8(2 * pair + 1)
            for l in 0..<32 {
                let h0 = ((qh[l] >> shift0) & 1) << 4
                let h1 = ((qh[l] >> shift1) & 1) << 4
                out[l] = d0 * Float((q[l] & 0x0F) | h0) - mm0
                out[l + 32] = d1 * Float((q[l] >> 4) | h1) - mm1
            }
        }
    }

    /// `{u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}`. Each 128-element half h uses ql[64h ..< 64h+64]
    /// and qh[32h ..< 32h+32]: element 32k + l (k < 4, l < 32) has low 4 bits from ql[64h + 32(k%2) + l]
    /// (low nibble for k < 2, high for k ≥ 2) and top 2 bits from bits 2k, 2k+1 of qh[32h + l];
    /// value `(d·scales[e/16])·(q − 32)` for element e of the block.
    @inline(__always)
    static func q6_K(_ b: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(b + 208)
        let sc = b + 192
        var ds = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0),
                  Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
        withUnsafeMutableBytes(of: &ds) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: Float.self)
            for i in 0..<16 { p[i] = d * Float(Int8(bitPattern: sc[i])) }
        }
        withUnsafeBytes(of: &ds) { raw in
            let scale = raw.baseAddress!.assumingMemoryBound(to: Float.self)
            for h in 0..<2 {
                let ql = b + 64 * h, qh = b + 128 + 32 * h, out = y + 128 * h, s = scale + 8 * h
                for l in 0..<32 {
                    let hb = qh[l], lo = ql[l], hi = ql[l + 32]
                    let q0 = Int32((lo & 0x0F) | ((hb & 0x03) << 4)) - 32
                    let q1 = Int32((hi & 0x0F) | (((hb >> 2) & 0x03) << 4)) - 32
                    let q2 = Int32((lo >> 4) | (((hb >> 4) & 0x03) << 4)) - 32
                    let q3 = Int32((hi >> 4) | ((hb >> 6) << 4)) - 32
                    let si = l >> 4
                    out[l] = s[si] * Float(q0)
                    out[l + 32] = s[si + 2] * Float(q1)
                    out[l + 64] = s[si + 4] * Float(q2)
                    out[l + 96] = s[si + 6] * Float(q3)
                }
            }
        }
    }
}
