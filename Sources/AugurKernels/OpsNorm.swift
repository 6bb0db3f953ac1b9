/// RMS normalisation (Zhang & Sennrich 2019, "Root Mean Square Layer Normalization", eq. 4):
/// `y = x / sqrt(mean(x²) + eps) ⊙ weight`, as llama.cpp's `rms_norm` followed by the weight
/// multiply.
public enum Norm {
    /// Normalises one row of `count` floats (`x` and `y` may be the same buffer).
    /// - Parameters:
    ///   - x: `count` floats.
    ///   - weight: `count` floats (the `*_norm.weight` tensor).
    ///   - eps: from `<arch>.attention.layer_norm_rms_epsilon`.
    ///   - y: room for `count` floats.
    @inline(__always)
    public static func rms(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, eps: Float,
                           into y: UnsafeMutablePointer<Float>) {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            let a = loadSIMD8(x + i), b = loadSIMD8(x + i + 8)
            acc0.addProduct(a, a)
            acc1.addProduct(b, b)
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count { sum += x[i] * x[i]; i += 1 }
        let scale = 1 / (sum / Float(count) + eps).squareRoot()
        let s = SIMD8<Float>(repeating: scale)
        i = 0
        while i + 8 <= count {
            storeSIMD8(loadSIMD8(x + i) * s * loadSIMD8(weight + i), y + i)
            i += 8
        }
        while i < count { y[i] = x[i] * scale * weight[i]; i += 1 }
    }

    /// Scalar twin of ``rms(_:weight:count:eps:into:)`` (sum of squares in `Double`).
    public static func rmsReference(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, eps: Float,
                                    into y: UnsafeMutablePointer<Float>) {
        var sum = 0.0
        for i in 0..<count { sum += Double(x[i]) * Double(x[i]) }
        let scale = Float(1 / (sum / Double(count) + Double(eps)).squareRoot())
        for i in 0..<count { y[i] = x[i] * scale * weight[i] }
    }
}

/// Loads 8 floats from any alignment.
@inline(__always)
func loadSIMD8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func loadSIMD8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores 8 floats to any alignment.
@inline(__always)
func storeSIMD8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
