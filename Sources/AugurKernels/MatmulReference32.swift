/// Scalar twins for 32-element block weights × Q8 (32) activations (see ``MatmulReference``).
extension MatmulReference {
    /// Canonical accumulation of 32-element blocks: `block(b)` gives (exact integer dot, d_w, m_w).
    @inline(__always)
    static func canonical32(count k: Int, _ a: QuantizedActivations.Row, hasMin: Bool,
                            _ block: (Int) -> (isum: Int32, d: Float, m: Float)) -> Float {
        let nb = k / 32, nbPad = (nb + 7) / 8 * 8
        var lanes = SIMD8<Float>()
        for b in 0..<nbPad {
            let (isum, dw, mw) = b < nb ? block(b) : (0, 0, 0)
            let da = a.d[b]
            let l = b % 8
            lanes[l] = lanes[l].addingProduct(dw * da, Float(isum))
            if hasMin { lanes[l] = lanes[l].addingProduct(mw, da * Float(a.sums[b])) }
        }
        return reduce8(lanes)
    }

    /// Q4_0 = {f16 d; u8 qs[16]}: x[j] = d·(lo(qs[j]) − 8), x[j+16] = d·(hi(qs[j]) − 8).
    public static func dotReference_q4_0_q8_0(_ w: UnsafeRawPointer, _ a: QuantizedActivations.Row, count k: Int) -> Float {
        canonical32(count: k, a, hasMin: false) { b in
            let p = w + 18 * b, y = a.qs + 32 * b
            var s: Int32 = 0
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 2 + j, as: UInt8.self)
                s += (Int32(q & 0xF) - 8) * Int32(y[j]) + (Int32(q >> 4) - 8) * Int32(y[j + 16])
            }
            return (s, half(p), 0)
        }
    }

    /// Q4_1 = {f16 d, m; u8 qs[16]}: x = d·q + m.
    public static func dotReference_q4_1_q8_0(_ w: UnsafeRawPointer, _ a: QuantizedActivations.Row, count k: Int) -> Float {
        canonical32(count: k, a, hasMin: true) { b in
            let p = w + 20 * b, y = a.qs + 32 * b
            var s: Int32 = 0
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 4 + j, as: UInt8.self)
                s += Int32(q & 0xF) * Int32(y[j]) + Int32(q >> 4) * Int32(y[j + 16])
            }
            return (s, half(p), half(p, 2))
        }
    }

    /// Q5_0 = {f16 d; u8 qh[4]; u8 qs[16]}: element e gets bit e of qh as its 5th bit; x = d·(q − 16).
    public static func dotReference_q5_0_q8_0(_ w: UnsafeRawPointer, _ a: QuantizedActivations.Row, count k: Int) -> Float {
        canonical32(count: k, a, hasMin: false) { b in
            let p = w + 22 * b, y = a.qs + 32 * b
            let qh = p.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            var s: Int32 = 0
            for j in 0..<16 {
                let q = p.load(fromByteOffset: 6 + j, as: UInt8.self)
                let lo = Int32(q & 0xF) | Int32((qh >> UInt32(j)) & 1) << 4
                let hi = Int32(q >> 4) | Int32((qh >> UInt32(j + 16)) & 1) << 4
                s += (lo - 16) * Int32(y[j]) + (hi - 16) * Int32(y[j + 16])
            }
            return (s, half(p), 0)
        }
    }

    /// Q8_0 = {f16 d; i8 qs[32]}: x = d·q.
    public static func dotReference_q8_0_q8_0(_ w: UnsafeRawPointer, _ a: QuantizedActivations.Row, count k: Int) -> Float {
        canonical32(count: k, a, hasMin: false) { b in
            let p = w + 34 * b, y = a.qs + 32 * b
            var s: Int32 = 0
            for j in 0..<32 { s += Int32(p.load(fromByteOffset: 2 + j, as: Int8.self)) * Int32(y[j]) }
            return (s, half(p), 0)
        }
    }
}
