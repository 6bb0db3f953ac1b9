/// Swift SIMD kernels for 32-element block weights (Q4_0, Q4_1, Q5_0, Q8_0); twins of
/// AugurKernelsC/matmul_q32.c (same lanes, same float order).
extension MatmulSwift {
    /// 16 packed nibble bytes as 32 quants in element order: low nibbles are elements 0-15.
    @inline(__always)
    static func nibbles(_ p: UnsafeRawPointer) -> Bytes32 {
        let b = p.loadUnaligned(as: SIMD8<UInt16>.self)
        return unsafeBitCast((b & 0x0F0F, (b &>> 4) & 0x0F0F), to: Bytes32.self)
    }

    /// 0x10 in byte e where bit e of the little-endian `qh` is set (Q5_0's fifth bits).
    @inline(__always)
    static func fifthBits(_ qh: UInt32) -> Bytes32 {
        let q = UInt64(qh)
        let bytes = SIMD4<UInt64>(q & 0xFF, (q >> 8) & 0xFF, (q >> 16) & 0xFF, q >> 24)
        // Byte i of lane j holds byte j of qh masked to bit i; +0x7F sets bit 7 iff it is nonzero.
        let t = (bytes &* 0x0101_0101_0101_0101) & 0x8040_2010_0804_0201
        let flag = ((t &+ 0x7F7F_7F7F_7F7F_7F7F) & 0x8080_8080_8080_8080) &>> 3
        return unsafeBitCast(flag, to: Bytes32.self)
    }

    static func rows32(_ w: WeightMatrix, _ r0: Int, _ r1: Int, _ act: QuantizedActivations,
                       _ mCount: Int, _ y: UnsafeMutablePointer<Float>) {
        let n = w.rows, k = w.cols, nb = k / 32
        let type = w.type, bsz = type.typeSize
        let offset: Int32 = type == .q4_0 ? 8 : type == .q5_0 ? 16 : 0
        let hasMin = type == .q4_1
        let qsStride = act.qsStride, dStride = act.dStride
        withUnsafeTemporaryAllocation(of: Quants32.self, capacity: 8) { qBuf in
            let q = qBuf.baseAddress!
            withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: mCount) { acc in
                for r in r0..<r1 {
                    let row = w.row(r)
                    for m in 0..<mCount { acc[m] = .zero }
                    var g = 0
                    while g < nb {
                        let ng = min(8, nb - g)
                        var dw = SIMD8<Float>(), mw = SIMD8<Float>()
                        for i in 0..<8 {
                            guard i < ng else { q[i] = .zero; continue }
                            let b = row + (g + i) * bsz
                            dw[i] = MatmulReference.half(b)
                            switch type {
                            case .q4_0: q[i] = Quants32(unsigned: nibbles(b + 2))
                            case .q4_1:
                                q[i] = Quants32(unsigned: nibbles(b + 4))
                                mw[i] = MatmulReference.half(b, 2)
                            case .q5_0:
                                q[i] = Quants32(unsigned: nibbles(b + 6) | fifthBits(b.loadUnaligned(fromByteOffset: 2, as: UInt32.self)))
                            default: q[i] = Quants32(signed: b.loadUnaligned(fromByteOffset: 2, as: SIMD32<Int8>.self))
                            }
                        }
                        for m in 0..<mCount {
                            // Padded blocks have zero weights (activation bytes there are in bounds).
                            let ya = act.qs + m * qsStride + 32 * g
                            var isum = SIMD8<Int32>()
                            for i in 0..<8 { isum[i] = quadSums(pairSums(q[i], ya + 32 * i)).wrappedSum() }
                            let da = UnsafeRawPointer(act.d + m * dStride + g).loadUnaligned(as: SIMD8<Float>.self)
                            let sy = UnsafeRawPointer(act.sums + m * dStride + g).loadUnaligned(as: SIMD8<Int32>.self)
                            if offset != 0 { isum &-= sy &* offset }
                            var a = acc[m].addingProduct(dw * da, toFloat(isum))
                            if hasMin { a = a.addingProduct(mw, da * toFloat(sy)) }
                            acc[m] = a
                        }
                        g += 8
                    }
                    for m in 0..<mCount { y[m * n + r] = MatmulReference.reduce8(acc[m]) }
                }
            }
        }
    }
}
