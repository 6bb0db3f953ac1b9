import AugurGGUF
import Dispatch

/// Quantized matrix products (STUB: naive reference until the fused kernels land).
public enum Matmul {
    /// `y[m][n] = Σ_k W[n][k] · x[m][k]` for `m < rowCount`.
    /// - Parameters:
    ///   - w: weights, N × K.
    ///   - x: activations, `rowCount × w.cols` floats, row-major.
    ///   - rowCount: M, 1…64.
    ///   - y: output, `rowCount × w.rows` floats, row-major.
    public static func multiply(_ w: WeightMatrix, _ x: UnsafePointer<Float>, rowCount: Int, into y: UnsafeMutablePointer<Float>) {
        let n = w.rows, k = w.cols
        let chunks = 16
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: k)
            defer { tmp.deallocate() }
            var r = c * n / chunks
            let end = (c + 1) * n / chunks
            while r < end {
                Dequantize.row(w.type, w.row(r), count: k, into: tmp)
                for m in 0..<rowCount {
                    var s: Float = 0
                    let xr = x + m * k
                    for i in 0..<k { s += tmp[i] * xr[i] }
                    y[m * n + r] = s
                }
                r += 1
            }
        }
    }
}
