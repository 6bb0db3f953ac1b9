/// Swift SIMD kernels for K-quant weights (Q4_K, Q5_K, Q6_K); twins of AugurKernelsC/matmul_qk.c
/// (same lanes, same float order).
extension MatmulSwift {
    /// `madd`: lane l = a[2l]·b[2l] + a[2l+1]·b[2l+1] in 32 bits.
    @inline(__always)
    static func madd(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD8<Int32>.self), y = unsafeBitCast(b, to: SIMD8<Int32>.self)
        return ((x &<< 16) &>> 16) &* ((y &<< 16) &>> 16) &+ (x &>> 16) &* (y &>> 16)
    }

    static func rowsK(_ w: WeightMatrix, _ r0: Int, _ r1: Int, _ act: QuantizedActivations,
                      _ mCount: Int, _ y: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Quants32.self, capacity: 8) { q in
            withUnsafeTemporaryAllocation(of: SIMD8<Int32>.self, capacity: 8) { sc in
                withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: mCount) { acc in
                    rowsK(w, r0, r1, act, mCount, y, q.baseAddress!, sc.baseAddress!, acc.baseAddress!)
                }
            }
        }
    }

    /// `q`: 8 chunks of 32 unpacked quants; `sc`: per chunk, the scale of each of its 8 lanes;
    /// `acc`: 8 float lanes per activation row.
    @inline(__always)
    static func rowsK(_ w: WeightMatrix, _ r0: Int, _ r1: Int, _ act: QuantizedActivations, _ mCount: Int,
                      _ y: UnsafeMutablePointer<Float>, _ q: UnsafeMutablePointer<Quants32>,
                      _ sc: UnsafeMutablePointer<SIMD8<Int32>>, _ acc: UnsafeMutablePointer<SIMD8<Float>>) {
        let n = w.rows, nsb = w.cols / 256
        let type = w.type, bsz = type.typeSize
        let qsStride = act.qsStride, dStride = act.dStride, bsumStride = act.bsumStride
        for r in r0..<r1 {
            let row = w.row(r)
            for m in 0..<mCount { acc[m] = .zero }
            for sb in 0..<nsb {
                let b = row + sb * bsz
                var mins = SIMD16<Int16>()  // multiplier of each per-16 activation sum
                let d: Float, dmin: Float
                if type == .q6_K {
                    for h in 0..<2 {
                        let l0 = b.loadUnaligned(fromByteOffset: 64 * h, as: Bytes32.self)
                        let l1 = b.loadUnaligned(fromByteOffset: 64 * h + 32, as: Bytes32.self)
                        let hb = b.loadUnaligned(fromByteOffset: 128 + 32 * h, as: Bytes32.self)
                        q[4 * h + 0] = Quants32(unsigned: (l0 & 0x0F0F) | ((hb & 0x0303) &<< 4))
                        q[4 * h + 1] = Quants32(unsigned: (l1 & 0x0F0F) | (((hb &>> 2) & 0x0303) &<< 4))
                        q[4 * h + 2] = Quants32(unsigned: ((l0 &>> 4) & 0x0F0F) | (((hb &>> 4) & 0x0303) &<< 4))
                        q[4 * h + 3] = Quants32(unsigned: ((l1 &>> 4) & 0x0F0F) | (((hb &>> 6) & 0x0303) &<< 4))
                    }
                    for g in 0..<16 { mins[g] = Int16(b.load(fromByteOffset: 192 + g, as: Int8.self)) }
                    for j in 0..<8 {
                        // Lanes 0-3 of a 32-element chunk are 16-element group 2j, lanes 4-7 group 2j+1.
                        var s = SIMD8<Int32>(repeating: Int32(mins[2 * j]))
                        s.highHalf = SIMD4<Int32>(repeating: Int32(mins[2 * j + 1]))
                        sc[j] = s
                    }
                    d = MatmulReference.half(b, 208)
                    dmin = 0
                } else {
                    for j in 0..<8 {
                        let (s, mn) = MatmulReference.scaleMinK4(j, b + 4)
                        sc[j] = SIMD8<Int32>(repeating: s)
                        mins[2 * j] = Int16(mn)
                        mins[2 * j + 1] = Int16(mn)
                    }
                    d = MatmulReference.half(b)
                    dmin = MatmulReference.half(b, 2)
                    let qsOff = type == .q4_K ? 16 : 48
                    let hb = type == .q5_K ? b.loadUnaligned(fromByteOffset: 16, as: Bytes32.self) : Bytes32()
                    for j in 0..<4 {
                        let l = b.loadUnaligned(fromByteOffset: qsOff + 32 * j, as: Bytes32.self)
                        q[2 * j] = Quants32(unsigned: (l & 0x0F0F) | (((hb &>> UInt16(2 * j)) & 0x0101) &<< 4))
                        q[2 * j + 1] = Quants32(unsigned: ((l &>> 4) & 0x0F0F) | (((hb &>> UInt16(2 * j + 1)) & 0x0101) &<< 4))
                    }
                }
                for m in 0..<mCount {
                    let ya = act.qs + m * qsStride + 256 * sb
                    var isum = SIMD8<Int32>()
                    for j in 0..<8 { isum &+= quadSums(pairSums(q[j], ya + 32 * j)) &* sc[j] }
                    let bs = UnsafeRawPointer(act.bsums + m * bsumStride + 16 * sb).loadUnaligned(as: SIMD16<Int16>.self)
                    let imin = madd(bs, mins)
                    let da = act.d[m * dStride + sb]
                    if type == .q6_K {
                        acc[m] = acc[m].addingProduct(SIMD8(repeating: d * da), toFloat(isum &- (imin &<< 5)))
                    } else {
                        let a = acc[m].addingProduct(SIMD8(repeating: d * da), toFloat(isum))
                        acc[m] = a.addingProduct(SIMD8(repeating: -(dmin * da)), toFloat(imin))
                    }
                }
            }
            for m in 0..<mCount { y[m * n + r] = MatmulReference.reduce8(acc[m]) }
        }
    }
}
