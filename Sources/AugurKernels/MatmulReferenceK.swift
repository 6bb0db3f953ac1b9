/// Scalar twins for K-quant weights × Q8 (256) activations (see ``MatmulReference``).
extension MatmulReference {
    /// Six-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes of Q4_K/Q5_K
    /// (ggml-quants.c `get_scale_min_k4`).
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ p: UnsafeRawPointer) -> (Int32, Int32) {
        func b(_ i: Int) -> Int32 { Int32(p.load(fromByteOffset: i, as: UInt8.self)) }
        if j < 4 { return (b(j) & 63, b(j + 4) & 63) }
        return ((b(j + 4) & 0xF) | ((b(j - 4) >> 6) << 4), (b(j + 4) >> 4) | ((b(j) >> 6) << 4))
    }

    /// Shared Q4_K/Q5_K arithmetic: `quant(sb, e)` is the unsigned quant of element e of super-block sb.
    /// Lane l (of 8) sums elements with (e mod 32)/4 == l, weighted by their sub-block scale; its
    /// min term is sub-block l's min times the sum of sub-block l's activation quants.
    @inline(__always)
    static func dotK4Like(_ w: UnsafeRawPointer, blockBytes: Int, _ a: QuantizedActivations.Row, count k: Int,
                          _ quant: (UnsafeRawPointer, Int) -> Int32) -> Float {
        var acc = SIMD8<Float>()
        for sb in 0..<(k / 256) {
            let p = w + blockBytes * sb, y = a.qs + 256 * sb
            var isum = SIMD8<Int32>(), imin = SIMD8<Int32>()
            for j in 0..<8 {
                let (sc, mn) = scaleMinK4(j, p + 4)
                var sy: Int32 = 0
                for i in 0..<32 {
                    let e = 32 * j + i
                    isum[i / 4] += sc * quant(p, e) * Int32(y[e])
                    sy += Int32(y[e])
                }
                imin[j] = mn * sy
            }
            let da = a.d[sb], dd = half(p) * da, ddmin = -(half(p, 2) * da)
            for l in 0..<8 {
                acc[l] = acc[l].addingProduct(dd, Float(isum[l]))
                acc[l] = acc[l].addingProduct(ddmin, Float(imin[l]))
            }
        }
        return reduce8(acc)
    }

    /// Q4_K = {f16 d, dmin; u8 scales[12]; u8 qs[128]}: element 64i+l is the low nibble of
    /// qs[32i+l], element 64i+32+l the high nibble; x = d·sc_j·q − dmin·m_j for sub-block j = e/32.
    public static func dotReference_q4K_q8K(_ w: UnsafeRawPointer, _ a: QuantizedActivations.Row, count k: Int) -> Float {
        dotK4Like(w, blockBytes: 144, a, count: k) { p, e in
            let byte = p.load(fromByteOffset: 16 + 32 * (e / 64) + e % 32, as: UInt8.self)
            return Int32(e % 64 < 32 ? byte & 0xF : byte >> 4)
        }
    }

    /// Q4_K in the grouped layout (``WeightLayout/q4KGrouped``): element i of sub-block j is in
    /// byte 16 + 32·(i/8) + 4j + i%4, low nibble for i%8 < 4; lanes as in the canonical order
    /// (``MatmulReference``): lane j = sub-block j.
    public static func dotReference_q4KGrouped_q8K(_ w: UnsafeRawPointer, _ a: QuantizedActivations.Row, count k: Int) -> Float {
        var acc = SIMD8<Float>()
        for sb in 0..<(k / 256) {
            let p = w + 144 * sb, y = a.qs + 256 * sb
            let dw = half(p), dminNeg = -half(p, 2), da = a.d[sb]
            for j in 0..<8 {
                let (sc, mn) = scaleMinK4(j, p + 4)
                var sqy: Int32 = 0, sy: Int32 = 0
                for i in 0..<32 {
                    let byte = p.load(fromByteOffset: 16 + 32 * (i / 8) + 4 * j + i % 4, as: UInt8.self)
                    let q = Int32(i % 8 < 4 ? byte & 0xF : byte >> 4)
                    sqy += q * Int32(y[32 * j + i])
                    sy += Int32(y[32 * j + i])
                }
                var u = dminNeg * Float(mn * sy)
                u = u.addingProduct(dw, Float(sc * sqy))
                acc[j] = acc[j].addingProduct(da, u)
            }
        }
        return reduce8(acc)
    }

    /// Q5_K = {f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: as Q4_K plus a 5th bit, bit
    /// e/32 of qh[e mod 32].
    public static func dotReference_q5K_q8K(_ w: UnsafeRawPointer, _ a: QuantizedActivations.Row, count k: Int) -> Float {
        dotK4Like(w, blockBytes: 176, a, count: k) { p, e in
            let byte = p.load(fromByteOffset: 48 + 32 * (e / 64) + e % 32, as: UInt8.self)
            let h = p.load(fromByteOffset: 16 + e % 32, as: UInt8.self) >> UInt8(e / 32) & 1
            return Int32(e % 64 < 32 ? byte & 0xF : byte >> 4) | Int32(h) << 4
        }
    }

    /// Q6_K = {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}: element 128h+32t+l (t < 4, l < 32)
    /// has low bits from ql[64h + 32(t&1) + l] (low nibble for t < 2, high for t ≥ 2) and high bits
    /// (qh[32h+l] >> 2t) & 3; x = d·sc[e/16]·(q − 32).
    public static func dotReference_q6K_q8K(_ w: UnsafeRawPointer, _ a: QuantizedActivations.Row, count k: Int) -> Float {
        var acc = SIMD8<Float>()
        for sb in 0..<(k / 256) {
            let p = w + 210 * sb, y = a.qs + 256 * sb
            // Lane l: Σ sc·q·y over elements with (e mod 32)/4 == l, minus 32·Σ sc·y over groups 2l, 2l+1.
            var lanes = SIMD8<Int32>()
            for e in 0..<256 {
                let sc = Int32(p.load(fromByteOffset: 192 + e / 16, as: Int8.self))
                let h = e / 128, t = (e % 128) / 32, l = e % 32
                let lowByte = p.load(fromByteOffset: 64 * h + 32 * (t & 1) + l, as: UInt8.self)
                let low = t < 2 ? lowByte & 0xF : lowByte >> 4
                let high = (p.load(fromByteOffset: 128 + 32 * h + l, as: UInt8.self) >> UInt8(2 * t)) & 3
                lanes[(e % 32) / 4] += sc * Int32(low | high << 4) * Int32(y[e])
                lanes[e / 32] -= 32 * sc * Int32(y[e])
            }
            let dd = half(p, 208) * a.d[sb]
            for l in 0..<8 { acc[l] = acc[l].addingProduct(dd, Float(lanes[l])) }
        }
        return reduce8(acc)
    }
}
