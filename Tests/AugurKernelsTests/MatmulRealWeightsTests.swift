import AugurGGUF
@testable import AugurKernels
import AugurTestSupport
import XCTest

/// Fused matmuls on real model weight rows: every backend equals the scalar twin bit for bit, row m
/// does not depend on M, and results stay within the 8-bit-activation bound of the fp32 product.
final class MatmulRealWeightsTests: XCTestCase {
    /// (model, tensor): one tensor of each quantized type the cached models use.
    static let tensors: [(String, String)] = [
        (TestModels.qwenTarget, "blk.0.ffn_gate.weight"),   // Q4_K, K = 1536
        (TestModels.qwenTarget, "blk.0.ffn_down.weight"),   // Q6_K, K = 8960
        (TestModels.qwenDraft, "blk.0.attn_q.weight"),      // Q5_0, K = 896
        (TestModels.qwenDraft, "output.weight"),            // Q8_0, K = 896
        (TestModels.qwenDraft, "blk.0.ffn_down.weight"),    // Q6_K, K = 4864
        (TestModels.qwenDraft, "blk.11.ffn_down.weight"),   // Q4_K, K = 4864
        (TestModels.smol, "blk.0.ffn_gate.weight"),         // Q4_1, K = 576
        (TestModels.smol, "token_embd.weight"),             // Q8_0, K = 576
    ]

    func testRealWeightRows() throws {
        var tested = 0
        for (model, name) in Self.tensors {
            guard let path = try? TestModels.path(model) else { continue }
            let file = try GGUFFile(path: path)
            let full = try WeightMatrix(file, name)
            // 41 rows from the middle of the matrix (not a multiple of any chunk size).
            let start = full.rows / 2
            let w = WeightMatrix(type: full.type, rows: 41, cols: full.cols, data: full.row(start))
            let x = randomActivations(rows: 8, cols: w.cols, seed: UInt64(tested + 1))
            let ref = MatmulCheck.run(w, x, rows: 8, backend: .reference)
            MatmulCheck.assertCloseToFloat(w, x, rows: 8, ref, "\(model):\(name) \(w.type) reference vs fp32")
            for backend in [MatmulBackend.c, .swift] {
                for m in [1, 3, 8] {
                    let y = MatmulCheck.run(w, Array(x[0..<(m * w.cols)]), rows: m, backend: backend)
                    MatmulCheck.assertBitIdentical(y, Array(ref[0..<(m * w.rows)]), "\(name) \(w.type) \(backend) M=\(m)")
                }
            }
            // Q4_K rows also in the grouped layout the models use (scalar twin, fp32 bound, C at every M).
            if let g = GroupedQ4KMatrix(w) {
                let gref = MatmulCheck.run(g.matrix, x, rows: 8, backend: .reference)
                MatmulCheck.assertCloseToFloat(w, x, rows: 8, gref, "\(model):\(name) grouped reference vs fp32")
                for m in [1, 3, 8] {
                    let y = MatmulCheck.run(g.matrix, Array(x[0..<(m * w.cols)]), rows: m, backend: .c)
                    MatmulCheck.assertBitIdentical(y, Array(gref[0..<(m * w.rows)]), "\(name) grouped C M=\(m)")
                }
            }
            tested += 1
        }
        if tested == 0 { throw XCTSkip("no cached model") }
    }
}
