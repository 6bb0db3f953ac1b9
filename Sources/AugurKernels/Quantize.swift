import AugurGGUF

/// Quantization of `Float` rows into GGML block types: the inverse of ``Dequantize`` for the types
/// a model can be requantized into at load time (``RequantizedMatrix``).
///
/// Plain scalar Swift following ggml's reference round-to-nearest quantizers (ggml-quants.c
/// `quantize_row_q4_0_ref`, `_q4_1_ref`, `_q8_0_ref`; block layouts from ggml-common.h). Output is
/// bit-identical to gguf-py's `gguf.quants.quantize`: each scale is computed in float32, inverted
/// in float32 (`id = 1/d`, 0 for an all-zero block), and each quant is `x·id` plus a constant,
/// truncated (never fused into an FMA); scales are stored as IEEE fp16 (round to nearest even).
public enum Quantize {
    /// Types ``row(_:_:count:into:)`` can produce.
    public static let producibleTypes: Set<GGMLType> = [.q4_0, .q4_1, .q8_0]

    /// Quantizes `count` floats at `src` into `type` blocks at `dst`.
    ///
    /// - Parameters:
    ///   - type: one of ``producibleTypes``; another type is a programming error.
    ///   - src: `count` floats; `count` a multiple of `type.blockSize` (32).
    ///   - dst: room for `type.byteCount(elements: count)` bytes; need not be aligned.
    public static func row(_ type: GGMLType, _ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        precondition(producibleTypes.contains(type), "Quantize.row: cannot produce \(type)")
        precondition(count >= 0 && count % type.blockSize == 0,
                     "Quantize.row: \(count) elements is not a whole number of \(type) blocks")
        let bytes = dst.assumingMemoryBound(to: UInt8.self)
        let stride = type.typeSize
        for b in 0..<count / 32 {
            let x = src + b * 32, out = bytes + b * stride
            switch type {
            case .q4_0: q4_0(x, out)
            case .q4_1: q4_1(x, out)
            default: q8_0(x, out)
            }
        }
    }

    /// Bytes per weight of `type` (e.g. 0.5625 for Q4_0 and Q4_K, 1.0625 for Q8_0): requantizing
    /// pays only into a type with fewer.
    public static func bytesPerWeight(_ type: GGMLType) -> Double {
        Double(type.typeSize) / Double(type.blockSize)
    }

    /// Stores `v` as little-endian IEEE fp16 (round to nearest even, as numpy's `astype(float16)`
    /// and ggml's `GGML_FP32_TO_FP16`).
    @inline(__always)
    static func storeHalf(_ v: Float, _ p: UnsafeMutablePointer<UInt8>) {
        let h = Float16(v).bitPattern
        p[0] = UInt8(truncatingIfNeeded: h)
        p[1] = UInt8(truncatingIfNeeded: h >> 8)
    }

    /// `trunc(v)` clipped to 0…15 (NaN, from a corrupt scale, gives 0 instead of trapping).
    @inline(__always)
    static func nibble(_ v: Float) -> UInt8 {
        let c: Float = v > 0 ? (v < 15 ? v : 15) : 0
        return UInt8(truncatingIfNeeded: Int32(c))
    }

    /// Q4_0: `d = m / −8` where `m` is the element of largest magnitude (the first such),
    /// `q = min(15, trunc(x/d + 8.5))`; element `j < 16` in the low nibble of byte `j`, element
    /// `j + 16` in its high nibble.
    @inline(__always)
    static func q4_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>) {
        // The element of largest magnitude, the first on ties (max reduction, then a search).
        var amax: Float = 0, max: Float = 0
        for j in 0..<32 { amax = Swift.max(amax, abs(x[j])) }
        for j in 0..<32 where abs(x[j]) == amax && amax > 0 {
            max = x[j]
            break
        }
        let d = max / -8
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, out)
        for j in 0..<16 {
            let lo = nibble(x[j] * id + 8.5)
            let hi = nibble(x[j + 16] * id + 8.5)
            out[2 + j] = lo | hi << 4
        }
    }

    /// Q4_1: `d = (max − min) / 15`, `q = min(15, trunc((x − min)/d + 0.5))`, fp16 `d` then fp16
    /// `min`, nibbles packed as Q4_0.
    @inline(__always)
    static func q4_1(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>) {
        var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
        for j in 0..<32 {
            lo = Swift.min(lo, x[j])
            hi = Swift.max(hi, x[j])
        }
        let d = (hi - lo) / 15
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, out)
        storeHalf(lo, out + 2)
        for j in 0..<16 {
            let a = nibble((x[j] - lo) * id + 0.5)
            let b = nibble((x[j + 16] - lo) * id + 0.5)
            out[4 + j] = a | b << 4
        }
    }

    /// Q8_0: `d = max|x| / 127`, `q = round-half-away-from-zero(x/d)` (C `roundf`).
    @inline(__always)
    static func q8_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt8>) {
        var amax: Float = 0
        for j in 0..<32 { amax = Swift.max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        storeHalf(d, out)
        for j in 0..<32 {
            let q = (x[j] * id).rounded(.toNearestOrAwayFromZero)
            out[2 + j] = UInt8(bitPattern: q >= -127 && q <= 127 ? Int8(q) : q > 127 ? 127 : q < -127 ? -127 : 0)
        }
    }
}

/// A weight matrix converted to another GGML type, in memory this object owns (64-byte aligned);
/// ``matrix`` is valid while the object lives.
///
/// Each row is dequantized to floats (``Dequantize/row(_:_:count:into:)``) and quantized again
/// (``Quantize/row(_:_:count:into:)``), so the result is what ggml's reference quantizer makes of
/// the stored weights (an extra rounding on top of the original quantization: a cheaper, slightly
/// less accurate matrix, e.g. for a speculative draft model).
public final class RequantizedMatrix: @unchecked Sendable {
    /// The converted matrix (same shape as the source).
    public let matrix: WeightMatrix
    private let storage: UnsafeMutableRawPointer

    /// Converts `source` to `type`.
    /// - Parameters:
    ///   - source: any supported type in the stored layout; `source.cols` must be a multiple of `type.blockSize`.
    ///   - type: one of ``Quantize/producibleTypes``.
    ///   - threads: workers converting row chunks in parallel.
    /// - Returns: nil when `type` cannot be produced, the row length does not fit its blocks, or
    ///   `source` is not in the stored layout (``Dequantize`` reads that layout only).
    public init?(_ source: WeightMatrix, to type: GGMLType, threads: Int = Matmul.defaultThreadCount) {
        guard Quantize.producibleTypes.contains(type), source.cols % type.blockSize == 0, source.layout == .stored else { return nil }
        let k = source.cols
        let rowBytes = k / type.blockSize * type.typeSize
        storage = .allocate(byteCount: max(1, rowBytes * source.rows), alignment: 64)
        let out = storage
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: k * max(1, threads))
        defer { scratch.deallocate() }
        ParallelRows.run(rows: source.rows, threads: max(1, threads)) { r0, r1, worker in
            let buf = scratch + worker * k
            for r in r0..<r1 {
                Dequantize.row(source.type, source.row(r), count: k, into: buf)
                Quantize.row(type, buf, count: k, into: out + r * rowBytes)
            }
        }
        matrix = WeightMatrix(type: type, rows: source.rows, cols: k, data: UnsafeRawPointer(storage))
    }

    deinit { storage.deallocate() }

    /// Bytes of converted weights held.
    public var byteCount: Int { matrix.rowBytes * matrix.rows }
}
