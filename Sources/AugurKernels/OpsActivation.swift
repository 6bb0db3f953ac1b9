#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Element-wise activations and softmax. The fast forms use ``FastExp`` (≤ 2 ulp on the range
/// that matters); the `…Reference` twins use libm `expf`.
public enum Activation {
    /// SiLU (Elfwing et al. 2018; "swish" in Ramachandran et al. 2017): `x · σ(x) = x / (1 + e^-x)`,
    /// in place on `count` floats.
    @inline(__always)
    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let v = loadSIMD8(x + i)
            storeSIMD8(v / (1 + FastExp.exp(-v)), x + i)
            i += 8
        }
        while i < count { x[i] = x[i] / (1 + FastExp.exp(-x[i])); i += 1 }
    }

    /// Scalar twin of ``silu(_:count:)``.
    public static func siluReference(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = x[i] / (1 + expf(-x[i])) }
    }

    /// SwiGLU (Shazeer 2020, "GLU Variants Improve Transformer", eq. 6 with β = 1):
    /// `y = silu(gate) ⊙ up` over `count` floats. `y` may alias `gate` or `up`.
    @inline(__always)
    public static func swiglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int,
                              into y: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            let g = loadSIMD8(gate + i)
            storeSIMD8(g / (1 + FastExp.exp(-g)) * loadSIMD8(up + i), y + i)
            i += 8
        }
        while i < count { y[i] = gate[i] / (1 + FastExp.exp(-gate[i])) * up[i]; i += 1 }
    }

    /// Scalar twin of ``swiglu(gate:up:count:into:)``.
    public static func swigluReference(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int,
                                       into y: UnsafeMutablePointer<Float>) {
        for i in 0..<count { y[i] = gate[i] / (1 + expf(-gate[i])) * up[i] }
    }

    /// Softmax in place: `x[i] = e^(x[i] − max) / Σ_j e^(x[j] − max)` over `count ≥ 1` floats.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count >= 1)
        var mx = x[0]
        for i in 1..<count { mx = max(mx, x[i]) }
        let m = SIMD8<Float>(repeating: mx)
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let e = FastExp.exp(loadSIMD8(x + i) - m)
            storeSIMD8(e, x + i)
            acc += e
            i += 8
        }
        var sum = acc.sum()
        while i < count { x[i] = FastExp.exp(x[i] - mx); sum += x[i]; i += 1 }
        let inv = 1 / sum
        for j in 0..<count { x[j] *= inv }
    }

    /// Scalar twin of ``softmax(_:count:)`` (sum in `Double`).
    public static func softmaxReference(_ x: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count >= 1)
        var mx = x[0]
        for i in 1..<count { mx = max(mx, x[i]) }
        var sum = 0.0
        for i in 0..<count { x[i] = expf(x[i] - mx); sum += Double(x[i]) }
        let inv = Float(1 / sum)
        for j in 0..<count { x[j] *= inv }
    }
}

/// A vectorised `e^x` for `Float`: Cody–Waite range reduction `x = n·ln2 + r`, a degree-6
/// polynomial for `e^r` on |r| ≤ ln2/2 (Cephes `expf` coefficients), and `2^n` built in the
/// exponent bits. Inputs are clamped to [-87.3, 88.7] so the result stays a normal float:
/// very negative inputs give ≈ 1e-38 instead of 0, which is harmless for softmax and SiLU.
public enum FastExp {
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // (`clamped` calls the unspecialised generic pointwiseMin/Max; masks compile to vblendvps.)
        let lo = SIMD8<Float>(repeating: -87.3), hi = SIMD8<Float>(repeating: 88.7)
        var xc = x.replacing(with: lo, where: x .< lo)
        xc.replace(with: hi, where: xc .> hi)
        let n = (xc * 1.442_695_04).rounded(.toNearestOrEven)
        var r = xc - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let y = p * (r * r) + r + 1
        // n + 127 lands in the low mantissa bits of 1.5·2^23 + n + 127; shift it into the exponent.
        let biased = unsafeBitCast(n + 12_583_039, to: SIMD8<UInt32>.self)
        let scale = unsafeBitCast(biased &<< 23, to: SIMD8<Float>.self)
        return y * scale
    }

    /// One lane of the SIMD form (for loop tails), same arithmetic.
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        exp(SIMD8<Float>(repeating: x))[0]
    }
}
