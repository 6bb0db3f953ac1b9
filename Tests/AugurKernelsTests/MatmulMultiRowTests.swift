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
            let w = OwnedMatrix(type: type, rows: n, cols: k) { p, count in
                p.initializeMemory(as: UInt8.self, repeating: 0xFF, count: count)
                for b in 0..<(count / type.typeSize) {
                    let o = b * type.typeSize
                    if type == .q6_K {
                        for s in 0..<16 { p.storeBytes(of: Int8(s % 2 == 0 ? 127 : -128), toByteOffset: o + 192 + s, as: Int8.self) }
                        p.storeBytes(of: Float16(0.001).bitPattern, toByteOffset: o + 208, as: UInt16.self)
                    } else {
                        p.storeBytes(of: Float16(0.001).bitPattern, toByteOffset: o, as: UInt16.self)
                        p.storeBytes(of: Float16(0.002).bitPattern, toByteOffset: o + 2, as: UInt16.self)
                    }
                }
            }
            // Rows: all +1, all −1, alternating pairs of signs, and a ramp (quantized to ±127 at the peaks).
            let m = 8
            var x = [Float](repeating: 0, count: m * k)
            for i in 0..<m {
                for j in 0..<k {
                    switch i % 4 {
                    case 0: x[i * k + j] = 1
                    case 1: x[i * k + j] = -1
                    case 2: x[i * k + j] = (j / 2) % 2 == 0 ? 1 : -1
                    default: x[i * k + j] = Float(j % 64) - 31.5
                    }
                }
            }
            let ref = MatmulCheck.run(w.matrix, x, rows: m, backend: .reference)
            MatmulCheck.assertCloseToFloat(w.matrix, x, rows: m, ref, "\(type) extreme reference vs fp32")
            for rows in [5, 8] {
                let y = MatmulCheck.run(w.matrix, Array(x[0..<(rows * k)]), rows: rows, backend: .c)
                MatmulCheck.assertBitIdentical(y, Array(ref[0..<(rows * n)]), "\(type) extreme C M=\(rows)")
            }
        }
    }
}
