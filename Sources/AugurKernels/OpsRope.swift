#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How RoPE pairs the dimensions of a head.
public enum RopeLayout: String, Sendable, Codable {
    /// Pairs (2i, 2i+1): llama GGUFs (their Q/K weights are permuted at conversion for this).
    case adjacentPairs
    /// Pairs (i, i + d/2): qwen2 ("NEOX" style in ggml).
    case halfSplit
}

/// Rotary position embedding (Su et al. 2021, "RoFormer", §3.4.2): pair `i` of a head at position
/// `p` is rotated by the angle `p · θ_i`, `θ_i = base^(-2i/d)`, `i < d/2`.
///
/// Angles are tabulated once per batch row (``table(positions:count:headDim:base:cos:sin:)``) and
/// reused by every head of every layer.
public enum Rope {
    /// Fills `cos` and `sin`, each `count × headDim/2` floats row-major, with `cos(p·θ_i)` and
    /// `sin(p·θ_i)` for the positions `positions[0..<count]` (computed in `Double`).
    public static func table(positions: UnsafePointer<Int>, count: Int, headDim: Int, base: Float,
                             cos cosOut: UnsafeMutablePointer<Float>, sin sinOut: UnsafeMutablePointer<Float>) {
        let half = headDim / 2
        for r in 0..<count {
            let p = Double(positions[r])
            for i in 0..<half {
                let angle = p * pow(Double(base), -2 * Double(i) / Double(headDim))
                cosOut[r * half + i] = Float(cos(angle))
                sinOut[r * half + i] = Float(sin(angle))
            }
        }
    }

    /// Rotates `headCount` consecutive heads of `headDim` floats each (one row of Q or K) in place.
    /// - Parameters:
    ///   - cos, sin: `headDim/2` floats, this row's entries of the table.
    ///   - layout: which dimensions form a pair.
    @inline(__always)
    public static func apply(_ x: UnsafeMutablePointer<Float>, headCount: Int, headDim: Int,
                             cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, layout: RopeLayout) {
        let half = headDim / 2
        switch layout {
        case .halfSplit:
            for h in 0..<headCount {
                let a = x + h * headDim, b = a + half
                var i = 0
                while i + 8 <= half {
                    let x0 = loadSIMD8(a + i), x1 = loadSIMD8(b + i)
                    let c = loadSIMD8(cos + i), s = loadSIMD8(sin + i)
                    storeSIMD8(x0 * c - x1 * s, a + i)
                    storeSIMD8(x0 * s + x1 * c, b + i)
                    i += 8
                }
                while i < half {
                    let x0 = a[i], x1 = b[i]
                    a[i] = x0 * cos[i] - x1 * sin[i]
                    b[i] = x0 * sin[i] + x1 * cos[i]
                    i += 1
                }
            }
        case .adjacentPairs:
            applyReference(x, headCount: headCount, headDim: headDim, cos: cos, sin: sin, layout: layout)
        }
    }

    /// Scalar twin of ``apply(_:headCount:headDim:cos:sin:layout:)``.
    public static func applyReference(_ x: UnsafeMutablePointer<Float>, headCount: Int, headDim: Int,
                                      cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, layout: RopeLayout) {
        let half = headDim / 2
        for h in 0..<headCount {
            let head = x + h * headDim
            for i in 0..<half {
                let (j0, j1) = layout == .halfSplit ? (i, i + half) : (2 * i, 2 * i + 1)
                let x0 = head[j0], x1 = head[j1]
                head[j0] = x0 * cos[i] - x1 * sin[i]
                head[j1] = x0 * sin[i] + x1 * cos[i]
            }
        }
    }
}
