import AugurGGUF
@testable import AugurKernels
import XCTest

/// Fused matmul kernels (C AVX2 and Swift SIMD) against their scalar twins and the fp32 product.
final class MatmulTests: XCTestCase {
    static let allTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q8_0, .q4_K, .q5_K, .q6_K, .f32, .f16, .bf16]
    static let fastBackends: [MatmulBackend] = [.c, .swift]

    /// Every backend equals the scalar reference bit for bit, and row m does not depend on M.
    func testBackendsMatchReferenceAndAreMInvariant() {
        for (ti, type) in Self.allTypes.enumerated() {
            let k = type.blockSize == 256 ? 512 : 320  // 320 = 10 blocks: one full group of 8 + a tail
            let n = 37
            let w = OwnedMatrix.random(type, rows: n, cols: k, seed: UInt64(100 + ti))
            let x = randomActivations(rows: 64, cols: k, seed: UInt64(200 + ti))
            let ref = MatmulCheck.run(w.matrix, x, rows: 64, backend: .reference)
            MatmulCheck.assertCloseToFloat(w.matrix, x, rows: 64, ref, "\(type) reference vs fp32")
            for backend in Self.fastBackends {
                for m in [1, 2, 3, 4, 5, 8, 16, 64] {
                    let y = MatmulCheck.run(w.matrix, Array(x[0..<(m * k)]), rows: m, backend: backend)
                    MatmulCheck.assertBitIdentical(y, Array(ref[0..<(m * n)]), "\(type) \(backend) M=\(m)")
                }
            }
        }
    }

    /// Activation quantizers (C, Swift) produce the reference's bytes.
    func testActivationQuantizersAgree() {
        for layout in [QuantizedActivations.Layout.q8x32, .q8x256] {
            let k = 1280, m = 3
            let x = randomActivations(rows: m, cols: k, seed: 7)
            let outs = [MatmulBackend.reference, .c, .swift].map { backend -> QuantizedActivations in
                let q = QuantizedActivations()
                ActivationQuant.quantize(x, rowCount: m, cols: k, layout: layout, into: q, backend: backend)
                return q
            }
            for q in outs.dropFirst() {
                for i in 0..<m {
                    let a = q.row(i), r = outs[0].row(i)
                    XCTAssertEqual(Array(UnsafeBufferPointer(start: a.qs, count: k)), Array(UnsafeBufferPointer(start: r.qs, count: k)))
                    let nd = layout == .q8x32 ? q.dStride : k / 256
                    XCTAssertEqual(Array(UnsafeBufferPointer(start: a.d, count: nd)), Array(UnsafeBufferPointer(start: r.d, count: nd)))
                    if layout == .q8x32 {
                        XCTAssertEqual(Array(UnsafeBufferPointer(start: a.sums, count: nd)), Array(UnsafeBufferPointer(start: r.sums, count: nd)))
                    } else {
                        XCTAssertEqual(Array(UnsafeBufferPointer(start: a.bsums, count: k / 16)), Array(UnsafeBufferPointer(start: r.bsums, count: k / 16)))
                    }
                }
            }
            // The quantization itself: dequantized activations are within d/2 of the input.
            let r = outs[0].row(1), bs = layout == .q8x32 ? 32 : 256
            for j in 0..<k {
                let back = Float(r.qs[j]) * r.d[j / bs]
                XCTAssertLessThanOrEqual(abs(back - x[k + j]), r.d[j / bs] * 0.5001 + 1e-7)
            }
        }
    }

    /// Odd shapes: N not a multiple of the chunk size, K = 896 (Q5_0), 4864 and 8960 (K-quants),
    /// one and two threads.
    func testOddShapes() {
        let cases: [(GGMLType, Int, Int)] = [(.q5_0, 131, 896), (.q8_0, 67, 896), (.q4_1, 45, 576),
                                             (.q4_K, 53, 4864), (.q6_K, 29, 8960), (.q5_K, 19, 8960), (.f16, 23, 200)]
        for (ci, (type, n, k)) in cases.enumerated() {
            let w = OwnedMatrix.random(type, rows: n, cols: k, seed: UInt64(300 + ci))
            let x = randomActivations(rows: 5, cols: k, seed: UInt64(400 + ci))
            let ref = MatmulCheck.run(w.matrix, x, rows: 5, backend: .reference)
            MatmulCheck.assertCloseToFloat(w.matrix, x, rows: 5, ref, "\(type) \(n)x\(k) reference vs fp32")
            for backend in Self.fastBackends {
                for threads in [1, 2, 3] {
                    let y = MatmulCheck.run(w.matrix, x, rows: 5, backend: backend, threads: threads)
                    MatmulCheck.assertBitIdentical(y, ref, "\(type) \(n)x\(k) \(backend) threads=\(threads)")
                }
            }
        }
    }

    /// The pooled default entry point gives the same result as an explicit context.
    func testDefaultEntryPoint() {
        let w = OwnedMatrix.random(.q4_K, rows: 300, cols: 1536, seed: 9)
        let x = randomActivations(rows: 2, cols: 1536, seed: 10)
        var y = [Float](repeating: 0, count: 600)
        Matmul.multiply(w.matrix, x, rowCount: 2, into: &y)
        MatmulCheck.assertBitIdentical(y, MatmulCheck.run(w.matrix, x, rows: 2, backend: .reference), "default entry")
    }

    /// A grouped product (q/k/v-like: mixed K-quant types, small and large N; and a group whose
    /// activation layouts differ, which falls back to one product per matrix) equals the scalar
    /// reference per matrix, for M = 1 and 3 and one to three threads.
    func testGroupedProductMatchesSeparateProducts() {
        let k = 512
        let groups: [[(GGMLType, Int)]] = [[(.q4_K, 96), (.q4_K, 21), (.q6_K, 21)], [(.q4_K, 40), (.q8_0, 33)], [(.q6_K, 7)]]
        for (gi, group) in groups.enumerated() {
            let owned = group.enumerated().map { OwnedMatrix.random($1.0, rows: $1.1, cols: k, seed: UInt64(500 + 10 * gi + $0)) }
            for m in [1, 3] {
                let x = randomActivations(rows: m, cols: k, seed: UInt64(600 + gi))
                for threads in [1, 2, 3] {
                    let outs = owned.map { UnsafeMutablePointer<Float>.allocate(capacity: m * $0.matrix.rows) }
                    defer { outs.forEach { $0.deallocate() } }
                    let ctx = MatmulContext(threadCount: threads, backend: .c)
                    Matmul.multiply(owned.map(\.matrix), x, rowCount: m, into: outs, context: ctx)
                    for (i, w) in owned.enumerated() {
                        let y = Array(UnsafeBufferPointer(start: outs[i], count: m * w.matrix.rows))
                        MatmulCheck.assertBitIdentical(y, MatmulCheck.run(w.matrix, x, rows: m, backend: .reference),
                                                       "group \(gi) matrix \(i) M=\(m) threads=\(threads)")
                    }
                }
            }
        }
    }
}

/// The benchmark runs and reports consistent numbers (a small synthetic matrix, short timings).
final class MatmulBenchmarkSmokeTests: XCTestCase {
    func testKernelBenchmarkReportsEveryBackendAndM() throws {
        let w = OwnedMatrix.random(.q4_K, rows: 256, cols: 1536, seed: 11)
        let r = KernelBenchmark.run(cases: [.init(name: "synthetic", matrix: w.matrix)], ms: [2, 5], threads: 2,
                                    minSeconds: 0.01, streamBytes: 16 << 20)
        XCTAssertGreaterThan(r.streamReadGBps, 0.1)
        XCTAssertEqual(r.matrices.count, 1)
        let m = r.matrices[0]
        XCTAssertEqual(m.bytes, 256 * 1536 / 256 * 144)
        XCTAssertEqual(m.backends.map(\.backend), [.c, .swift])
        for b in m.backends {
            XCTAssertEqual(b.ratios.map(\.m), [2, 5])
            XCTAssertEqual(b.m1GBps, Double(m.bytes) / b.m1BestSeconds / 1e9, accuracy: 1e-9)
            XCTAssertLessThanOrEqual(b.m1BestSeconds, b.m1Seconds)
            // More rows never cost less than a third of one row (generous: timings are noisy).
            for ratio in b.ratios { XCTAssertGreaterThan(ratio.timeVsM1, 0.3) }
        }
        // The result is Codable (the CLI prints it as JSON).
        let decoded = try JSONDecoder().decode(KernelBenchmarkResult.self, from: JSONEncoder().encode(r))
        XCTAssertEqual(decoded.matrices[0].backends.count, 2)
    }
}
