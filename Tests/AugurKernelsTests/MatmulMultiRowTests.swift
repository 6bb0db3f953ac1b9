import AugurGGUF
@testable import AugurKernels
import XCTest

/// The multi-row K-quant kernels (matmul_qk_mm.c: paired groups, passes of up to 10 rows) against
/// the scalar reference, for every M a verification batch or token tree can have.
final class MatmulMultiRowTests: XCTestCase {
    /// Every M from 1 to 17 (every pass size 1…10; 17 = 9 + 8) and a few larger ones (64 = 7 passes):
    /// each row bit-identical to the reference, so to the M = 1 result.
    func testEveryRowCountMatchesReference() {
        for (ti, type) in [GGMLType.q4_K, .q6_K].enumerated() {
            let k = 1536, n = 19  // 6 super-blocks, as in the 1.5B's hidden size
            let w = OwnedMatrix.random(type, rows: n, cols: k, seed: UInt64(300 + ti))
            let x = randomActivations(rows: 64, cols: k, seed: UInt64(400 + ti))
            let ref = MatmulCheck.run(w.matrix, x, rows: 64, backend: .reference)
            for m in Array(1...17) + [24, 33, 64] {
                let y = MatmulCheck.run(w.matrix, Array(x[0..<(m * k)]), rows: m, backend: .c)
                MatmulCheck.assertBitIdentical(y, Array(ref[0..<(m * n)]), "\(type) C M=\(m)")
            }
        }
    }

    /// Largest quants and scales with activations at ±127: the paired int16 sums reach
    /// ±4·63·127 (Q6_K) and must not saturate.
    func testExtremeQuantsDoNotSaturate() {
        for type in [GGMLType.q4_K, .q6_K] {
            let k = 512, n = 4
            let w = OwnedMatrix.extremeK(type, rows: n, cols: k)
            let m = 8
            let x = extremeActivations(rows: m, cols: k)
            let ref = MatmulCheck.run(w.matrix, x, rows: m, backend: .reference)
            MatmulCheck.assertCloseToFloat(w.matrix, x, rows: m, ref, "\(type) extreme reference vs fp32")
            for rows in [5, 8] {
                let y = MatmulCheck.run(w.matrix, Array(x[0..<(rows * k)]), rows: rows, backend: .c)
                MatmulCheck.assertBitIdentical(y, Array(ref[0..<(rows * n)]), "\(type) extreme C M=\(rows)")
            }
        }
    }
}
