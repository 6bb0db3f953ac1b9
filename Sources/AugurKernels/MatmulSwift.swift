import AugurGGUF

/// Pure-Swift SIMD kernels (``MatmulBackend/swift``), bit-identical to the C kernels and the
/// scalar twins: the same unpack-once / M-innermost loop, the same integer lane sums (a product
/// pair summed in 16 bits as `maddubs` does, then pairs of pairs in 32 bits as `madd` does) and the
/// same canonical float order (see ``MatmulReference``).
///
/// Conversions between SIMD element types are written as element loops: the standard library's
/// converting initialisers are not inlined and are several times slower (shared/notes/cpu-facts.md).
enum MatmulSwift {
    /// Rows `r0..<r1` of a quantized product with activations already quantized in `act`.
    static func quantizedRows(_ w: WeightMatrix, _ r0: Int, _ r1: Int, _ act: QuantizedActivations,
                              _ m: Int, _ y: UnsafeMutablePointer<Float>) {
        switch w.type {
        case .q4_0, .q4_1, .q5_0, .q8_0: rows32(w, r0, r1, act, m, y)
        default: rowsK(w, r0, r1, act, m, y)
        }
    }

    /// Rows `r0..<r1` of a float-weight product; `scratch` holds `w.cols` floats.
    static func floatRows(_ w: WeightMatrix, _ r0: Int, _ r1: Int, _ x: UnsafePointer<Float>, _ m: Int,
                          _ y: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) {
        let n = w.rows, k = w.cols
        for r in r0..<r1 {
            let row = w.row(r)
            let wr: UnsafePointer<Float>
            switch w.type {
            case .f32:
                wr = row.assumingMemoryBound(to: Float.self)
            case .f16:
                var i = 0
                while i + 8 <= k {
                    let h = row.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
                    var f = SIMD8<Float>()
                    for j in 0..<8 { f[j] = Float(Float16(bitPattern: h[j])) }
                    UnsafeMutableRawPointer(scratch + i).storeBytes(of: f, as: SIMD8<Float>.self)
                    i += 8
                }
                while i < k { scratch[i] = MatmulReference.half(row, 2 * i); i += 1 }
                wr = UnsafePointer(scratch)
            default:
                var i = 0
                while i + 8 <= k {
                    let h = row.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
                    var b = SIMD8<UInt32>()
                    for j in 0..<8 { b[j] = UInt32(h[j]) &<< 16 }
                    UnsafeMutableRawPointer(scratch + i).storeBytes(of: b, as: SIMD8<UInt32>.self)
                    i += 8
                }
                while i < k {
                    scratch[i] = Float(bitPattern: UInt32(row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
                    i += 1
                }
                wr = UnsafePointer(scratch)
            }
            for i in 0..<m { y[i * n + r] = dotF32(wr, x + i * k, k) }
        }
    }

    /// Float dot in the canonical 32-lane order (four 8-lane accumulators).
    @inline(__always)
    static func dotF32(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ k: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        let wr = UnsafeRawPointer(w), xr = UnsafeRawPointer(x)
        var i = 0
        while i + 32 <= k {
            a0 = a0.addingProduct(wr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self),
                                  xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
            a1 = a1.addingProduct(wr.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self),
                                  xr.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self))
            a2 = a2.addingProduct(wr.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD8<Float>.self),
                                  xr.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD8<Float>.self))
            a3 = a3.addingProduct(wr.loadUnaligned(fromByteOffset: 4 * i + 96, as: SIMD8<Float>.self),
                                  xr.loadUnaligned(fromByteOffset: 4 * i + 96, as: SIMD8<Float>.self))
            i += 32
        }
        var l = 0
        while i < k {
            switch l / 8 {
            case 0: a0[l % 8] = a0[l % 8].addingProduct(w[i], x[i])
            case 1: a1[l % 8] = a1[l % 8].addingProduct(w[i], x[i])
            case 2: a2[l % 8] = a2[l % 8].addingProduct(w[i], x[i])
            default: a3[l % 8] = a3[l % 8].addingProduct(w[i], x[i])
            }
            i += 1
            l += 1
        }
        return MatmulReference.reduce8((a0 + a1) + (a2 + a3))
    }

    // MARK: - Integer building blocks
    //
    // 32 quants are held as 32 bytes reinterpreted as 16-bit lanes (`Bytes32`); byte-wise masks
    // and shifts are done on those lanes, and even and odd bytes are split with shifts. Swift 6.3
    // compiles bitwise operators and shifts on SIMD32<UInt8> to scalar loops with stack round trips
    // (~100x slower), while the same operators on 16/32/64-bit lanes are single instructions.

    /// 32 bytes viewed as 16-bit lanes (byte 2i is the low byte of lane i).
    typealias Bytes32 = SIMD16<UInt16>

    /// Weights of one 32-element chunk, split into even and odd elements (16-bit lanes).
    struct Quants32 {
        var even: SIMD16<Int16>
        var odd: SIMD16<Int16>

        static let zero = Quants32(even: .zero, odd: .zero)

        /// From 32 unsigned quants (< 128) in element order.
        @inline(__always)
        init(unsigned b: Bytes32) {
            let v = unsafeBitCast(b, to: SIMD16<Int16>.self)
            even = v & 0xFF
            odd = v &>> 8
        }

        /// From 32 signed quants in element order.
        @inline(__always)
        init(signed b: SIMD32<Int8>) {
            let v = unsafeBitCast(b, to: SIMD16<Int16>.self)
            even = (v &<< 8) &>> 8
            odd = v &>> 8
        }

        @inline(__always)
        init(even: SIMD16<Int16>, odd: SIMD16<Int16>) {
            self.even = even
            self.odd = odd
        }
    }

    /// `maddubs`: sums of adjacent product pairs, 16 lanes (no lane can overflow for these quants).
    @inline(__always)
    static func pairSums(_ q: Quants32, _ y: UnsafePointer<Int8>) -> SIMD16<Int16> {
        let v = UnsafeRawPointer(y).loadUnaligned(as: SIMD16<Int16>.self)
        let ye = (v &<< 8) &>> 8, yo = v &>> 8
        return q.even &* ye &+ q.odd &* yo
    }

    /// `madd` with ones: sums of adjacent 16-bit lanes in 32 bits (lane l = elements 4l..4l+3).
    @inline(__always)
    static func quadSums(_ p: SIMD16<Int16>) -> SIMD8<Int32> {
        let v = unsafeBitCast(p, to: SIMD8<Int32>.self)
        return ((v &<< 16) &>> 16) &+ (v &>> 16)
    }

    /// Lane-wise Int32 → Float (exact for these magnitudes).
    @inline(__always)
    static func toFloat(_ v: SIMD8<Int32>) -> SIMD8<Float> {
        var r = SIMD8<Float>()
        for i in 0..<8 { r[i] = Float(v[i]) }
        return r
    }
}
