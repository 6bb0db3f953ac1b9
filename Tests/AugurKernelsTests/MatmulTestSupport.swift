import AugurGGUF
@testable import AugurKernels
import AugurTestSupport
import XCTest

/// A weight matrix that owns its bytes.
final class OwnedMatrix {
    let bytes: UnsafeMutableRawPointer
    let matrix: WeightMatrix
    init(type: GGMLType, rows: Int, cols: Int, fill: (UnsafeMutableRawPointer, Int) -> Void) {
        let n = type.byteCount(elements: cols)! * rows
        bytes = .allocate(byteCount: n, alignment: 64)
        fill(bytes, n)
        matrix = WeightMatrix(type: type, rows: rows, cols: cols, data: bytes)
    }
    deinit { bytes.deallocate() }

    /// Random blocks with sane scales: random quant bytes, fp16 scale fields in a small range.
    static func random(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) -> OwnedMatrix {
        OwnedMatrix(type: type, rows: rows, cols: cols) { p, n in
            var rng = SeededRandom(seed: seed)
            for i in 0..<n { p.storeBytes(of: UInt8.random(in: 0...255, using: &rng), toByteOffset: i, as: UInt8.self) }
            func half(_ off: Int, _ range: ClosedRange<Float>) {
                p.storeBytes(of: Float16(Float.random(in: range, using: &rng)).bitPattern, toByteOffset: off, as: UInt16.self)
            }
            let blocks = n / type.typeSize
            for b in 0..<blocks {
                let o = b * type.typeSize
                switch type {
                case .f32: p.storeBytes(of: Float.random(in: -1...1, using: &rng), toByteOffset: o, as: Float.self)
                case .f16: half(o, -1...1)
                case .bf16:
                    let f = Float.random(in: -1...1, using: &rng)
                    p.storeBytes(of: UInt16(f.bitPattern >> 16), toByteOffset: o, as: UInt16.self)
                case .q4_0, .q5_0, .q8_0: half(o, -0.05...0.05)
                case .q4_1: half(o, 0.001...0.02); half(o + 2, -0.1...0.1)
                case .q4_K, .q5_K: half(o, 0.0001...0.003); half(o + 2, 0.0001...0.003)
                case .q6_K: half(o + 208, -0.002...0.002)
                default: fatalError("unsupported test type")
                }
            }
        }
    }
}

extension OwnedMatrix {
    /// Q4_K or Q6_K blocks with every quant at its maximum and the largest scales (Q6_K: ±127/−128
    /// alternating), so integer partial sums reach their bounds.
    static func extremeK(_ type: GGMLType, rows: Int, cols: Int) -> OwnedMatrix {
        OwnedMatrix(type: type, rows: rows, cols: cols) { p, count in
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
    }
}

/// Activation rows that quantize to ±127: all +1, all −1, alternating pairs of signs, and a ramp
/// (±127 at the peaks), repeating.
func extremeActivations(rows m: Int, cols k: Int) -> [Float] {
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
    return x
}

/// Random activations with a few outliers, as real hidden states have.
func randomActivations(rows: Int, cols: Int, seed: UInt64) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<(rows * cols)).map { i in
        let v = Float.random(in: -1...1, using: &rng)
        return i % 97 == 3 ? v * 20 : v
    }
}

enum MatmulCheck {
    /// Runs `Matmul.multiply` with the given context settings; returns M × N outputs.
    static func run(_ w: WeightMatrix, _ x: [Float], rows m: Int, backend: MatmulBackend, threads: Int = 2) -> [Float] {
        let ctx = MatmulContext(threadCount: threads, backend: backend)
        var y = [Float](repeating: .nan, count: m * w.rows)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                Matmul.multiply(w, xp.baseAddress!, rowCount: m, into: yp.baseAddress!, context: ctx)
            }
        }
        return y
    }

    /// Asserts that `a` and `b` are equal bit for bit.
    static func assertBitIdentical(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        var bad = 0
        for i in 0..<min(a.count, b.count) where a[i].bitPattern != b[i].bitPattern {
            if bad < 3 { XCTFail("\(what): element \(i): \(a[i]) != \(b[i])", file: file, line: line) }
            bad += 1
        }
        if bad > 3 { XCTFail("\(what): \(bad) elements differ", file: file, line: line) }
    }

    /// Checks `y` against the fp32 product (dequantized weights × unquantized activations, summed
    /// in Double). Tolerance: 8-bit activation quantization moves each x_k by at most
    /// amax(block of k)/254, so |y − y_fp32| ≤ Σ_k |w_k|·amax_k/254 (+1e-5·Σ|w_k x_k| for float
    /// rounding). Float weights (no quantization) get 1e-5·Σ|w_k x_k|.
    static func assertCloseToFloat(_ w: WeightMatrix, _ x: [Float], rows m: Int, _ y: [Float], _ what: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        let k = w.cols, n = w.rows
        let block = ActivationQuant.layout(for: w.type).map { $0 == .q8x32 ? 32 : 256 }
        var row = [Float](repeating: 0, count: k)
        var worst = 0.0
        for r in 0..<n {
            row.withUnsafeMutableBufferPointer { Dequantize.row(w.type, w.row(r), count: k, into: $0.baseAddress!) }
            for i in 0..<m {
                var exact = 0.0, absSum = 0.0, bound = 0.0
                for b in stride(from: 0, to: k, by: block ?? k) {
                    let len = block ?? k
                    var amax: Float = 0
                    for j in b..<(b + len) { amax = max(amax, abs(x[i * k + j])) }
                    for j in b..<(b + len) {
                        let p = Double(row[j]) * Double(x[i * k + j])
                        exact += p
                        absSum += abs(p)
                        if block != nil { bound += Double(abs(row[j])) * Double(amax) / 254 }
                    }
                }
                let tol = bound + 1e-5 * absSum + 1e-30
                let err = abs(Double(y[i * n + r]) - exact)
                worst = max(worst, err / tol)
                if err > tol {
                    XCTFail("\(what): row \(r) m \(i): \(y[i * n + r]) vs fp32 \(exact), err \(err) > tol \(tol)", file: file, line: line)
                    return
                }
            }
        }
        XCTAssertLessThan(worst, 1, what, file: file, line: line)
    }
}
