import AugurGGUF
import AugurKernelsC
@testable import AugurKernels
import XCTest

/// Q4_K in the grouped layout (``WeightLayout/q4KGrouped``, matmul_q4k_grouped.c): the layout moves
/// nibbles only, the AVX2 kernel equals its scalar twin bit for bit at every M, and the results stay
/// within the 8-bit-activation bound of the fp32 product of the stored weights.
final class GroupedQ4KTests: XCTestCase {
    /// Element i of sub-block l of every super-block sits where the layout documentation says.
    func testRearrangementMovesNibblesOnly() throws {
        let k = 512, n = 3
        let w = OwnedMatrix.random(.q4_K, rows: n, cols: k, seed: 11)
        let g = try XCTUnwrap(GroupedQ4KMatrix(w.matrix, threads: 2))
        XCTAssertEqual(g.matrix.layout, .q4KGrouped)
        XCTAssertEqual(g.byteCount, w.matrix.rowBytes * n)
        for r in 0..<n {
            for sb in 0..<(k / 256) {
                let s = w.matrix.row(r) + 144 * sb, d = g.matrix.row(r) + 144 * sb
                for h in 0..<16 { XCTAssertEqual(s.load(fromByteOffset: h, as: UInt8.self), d.load(fromByteOffset: h, as: UInt8.self)) }
                for l in 0..<8 {
                    for i in 0..<32 {
                        let sByte = s.load(fromByteOffset: 16 + 32 * (l / 2) + i, as: UInt8.self)
                        let stored = l % 2 == 0 ? sByte & 0xF : sByte >> 4
                        let gByte = d.load(fromByteOffset: 16 + 32 * (i / 8) + 4 * l + i % 4, as: UInt8.self)
                        let grouped = i % 8 < 4 ? gByte & 0xF : gByte >> 4
                        XCTAssertEqual(stored, grouped, "row \(r) sb \(sb) sub-block \(l) element \(i)")
                    }
                }
            }
        }
        XCTAssertNil(GroupedQ4KMatrix(OwnedMatrix.random(.q6_K, rows: 2, cols: 256, seed: 1).matrix))
        XCTAssertNil(GroupedQ4KMatrix(g.matrix), "already grouped")
    }

    /// augur_group_q8_256: byte 32i + 4l + r of each block is element 32l + 4i + r.
    func testActivationRearrangement() {
        let k = 768
        let src = (0..<k).map { Int8(truncatingIfNeeded: $0 * 7 + 3) }
        var dst = [Int8](repeating: 0, count: k)
        augur_group_q8_256(src, &dst, Int32(k))
        for s in stride(from: 0, to: k, by: 256) {
            for i in 0..<8 { for l in 0..<8 { for r in 0..<4 { XCTAssertEqual(dst[s + 32 * i + 4 * l + r], src[s + 32 * l + 4 * i + r]) } } }
        }
    }

    /// Every M a verification batch, tree or prefill chunk can have: each row bit-identical to the
    /// scalar twin (so to M = 1), through the single and the grouped (q/k/v-style) entry points.
    func testEveryRowCountMatchesReference() throws {
        for (k, n) in [(1536, 19), (512, 37)] {
            let w = OwnedMatrix.random(.q4_K, rows: n, cols: k, seed: UInt64(k))
            let g = try XCTUnwrap(GroupedQ4KMatrix(w.matrix, threads: 2))
            let x = randomActivations(rows: 64, cols: k, seed: UInt64(k + 1))
            let ref = MatmulCheck.run(g.matrix, x, rows: 64, backend: .reference)
            MatmulCheck.assertCloseToFloat(w.matrix, x, rows: 64, ref, "grouped reference vs fp32 of the stored weights")
            let stored = MatmulCheck.run(w.matrix, x, rows: 64, backend: .c)
            XCTAssertNotEqual(stored, ref, "the grouped order rounds differently (else this test proves nothing)")
            for m in Array(1...17) + [24, 33, 64] {
                let xs = Array(x[0..<(m * k)])
                MatmulCheck.assertBitIdentical(MatmulCheck.run(g.matrix, xs, rows: m, backend: .c), Array(ref[0..<(m * n)]), "C M=\(m)")
                // Mixed with a stored-layout Q6_K matrix in one grouped product (as a layer's q/k/v).
                let v = OwnedMatrix.random(.q6_K, rows: 5, cols: k, seed: 9)
                var y0 = [Float](repeating: .nan, count: m * n), y1 = [Float](repeating: .nan, count: m * 5)
                let ctx = MatmulContext(threadCount: 2, backend: .c)
                xs.withUnsafeBufferPointer { xp in
                    y0.withUnsafeMutableBufferPointer { p0 in
                        y1.withUnsafeMutableBufferPointer { p1 in
                            Matmul.multiply([g.matrix, v.matrix], xp.baseAddress!, rowCount: m,
                                            into: [p0.baseAddress!, p1.baseAddress!], context: ctx)
                        }
                    }
                }
                MatmulCheck.assertBitIdentical(y0, Array(ref[0..<(m * n)]), "grouped entry point M=\(m)")
                MatmulCheck.assertBitIdentical(y1, MatmulCheck.run(v.matrix, xs, rows: m, backend: .reference), "Q6_K beside it M=\(m)")
            }
            // The Swift backend has no grouped kernel and runs the scalar twin.
            MatmulCheck.assertBitIdentical(MatmulCheck.run(g.matrix, Array(x[0..<(3 * k)]), rows: 3, backend: .swift),
                                           Array(ref[0..<(3 * n)]), "swift M=3")
        }
    }

    /// Largest quants and scales with activations at ±127: the int16 sums of a sub-block reach
    /// ±32·15·127/2 = ±30480 and must neither wrap nor saturate.
    func testExtremeQuantsDoNotOverflow() throws {
        let k = 512, n = 4
        let w = OwnedMatrix.extremeK(.q4_K, rows: n, cols: k)
        let g = try XCTUnwrap(GroupedQ4KMatrix(w.matrix))
        let m = 8
        let x = extremeActivations(rows: m, cols: k)
        let ref = MatmulCheck.run(g.matrix, x, rows: m, backend: .reference)
        MatmulCheck.assertCloseToFloat(w.matrix, x, rows: m, ref, "extreme grouped reference vs fp32")
        for rows in [1, 5, 8] {
            let y = MatmulCheck.run(g.matrix, Array(x[0..<(rows * k)]), rows: rows, backend: .c)
            MatmulCheck.assertBitIdentical(y, Array(ref[0..<(rows * n)]), "extreme C M=\(rows)")
        }
    }
}
