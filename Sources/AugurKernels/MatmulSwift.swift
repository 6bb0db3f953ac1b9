import AugurGGUF

/// Pure-Swift SIMD kernels (``MatmulBackend/swift``), bit-identical to the C kernels.
enum MatmulSwift {
    /// Rows `r0..<r1` of a quantized product with activations already quantized in `act`.
    static func quantizedRows(_ w: WeightMatrix, _ r0: Int, _ r1: Int, _ act: QuantizedActivations,
                              _ m: Int, _ y: UnsafeMutablePointer<Float>) {
        let n = w.rows, k = w.cols
        for r in r0..<r1 {
            for i in 0..<m { y[i * n + r] = MatmulReference.dot(w.type, w.row(r), act.row(i), count: k) }
        }
    }

    /// Rows `r0..<r1` of a float-weight product; `scratch` holds `w.cols` floats.
    static func floatRows(_ w: WeightMatrix, _ r0: Int, _ r1: Int, _ x: UnsafePointer<Float>, _ m: Int,
                          _ y: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) {
        let n = w.rows, k = w.cols
        for r in r0..<r1 {
            MatmulReference.widenRow(w.type, w.row(r), count: k, into: scratch)
            for i in 0..<m { y[i * n + r] = MatmulReference.dotReference_f32(scratch, x + i * k, count: k) }
        }
    }
}
