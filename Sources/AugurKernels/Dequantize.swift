import AugurGGUF

/// Dequantization of every supported GGML type to `Float`.
///
/// Plain scalar Swift, one block at a time. It serves embedding lookups, small vectors (norms,
/// biases) and as the reference the fused matmul kernels are tested against; it is not meant for
/// hot matrix products.
///
/// Results equal gguf-py's `gguf.quants.dequantize` bit for bit: every product and sum is
/// evaluated as float32 in the same order (e.g. Q4_K is `(d·sc)·q − (dmin·m)`, never fused into
/// an FMA). Block layouts follow ggml-common.h; the decoding follows ggml-quants.c
/// `dequantize_row_*`.
public enum Dequantize {
    /// Converts `count` consecutive elements of `type`, stored at `src`, to floats in `dst`.
    ///
    /// - Parameters:
    ///   - type: a supported type (`type.isSupported`); calling it with another type is a
    ///     programming error (``WeightMatrix`` rejects such tensors when a model is loaded).
    ///   - src: `type.byteCount(elements: count)` bytes; need not be aligned.
    ///   - count: elements, a multiple of `type.blockSize`.
    ///   - dst: room for `count` floats.
    public static func row(_ type: GGMLType, _ src: UnsafeRawPointer, count: Int, into dst: UnsafeMutablePointer<Float>) {
        precondition(count >= 0 && count % type.blockSize == 0,
                     "Dequantize.row: \(count) elements is not a whole number of \(type) blocks of \(type.blockSize)")
        let blocks = count / type.blockSize
        let bytes = src.assumingMemoryBound(to: UInt8.self)
        // Block b of a quantized row: its bytes and where its elements go (sizes from GGMLType).
        let stride = type.typeSize, width = type.blockSize
        switch type {
        case .f32:
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
        case .f16:
            for i in 0..<count { dst[i] = loadHalf(bytes + 2 * i) }
        case .bf16:
            for i in 0..<count {
                dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .q4_0:
            for b in 0..<blocks { q4_0(bytes + b * stride, dst + b * width) }
        case .q4_1:
            for b in 0..<blocks { q4_1(bytes + b * stride, dst + b * width) }
        case .q5_0:
            for b in 0..<blocks { q5_0(bytes + b * stride, dst + b * width) }
        case .q8_0:
            for b in 0..<blocks { q8_0(bytes + b * stride, dst + b * width) }
        case .q4_K:
            for b in 0..<blocks { q4_K(bytes + b * stride, dst + b * width) }
        case .q5_K:
            for b in 0..<blocks { q5_K(bytes + b * stride, dst + b * width) }
        case .q6_K:
            for b in 0..<blocks { q6_K(bytes + b * stride, dst + b * width) }
        default:
            preconditionFailure("Dequantize.row: \(type) is not supported (GGMLType.isSupported is false; WeightMatrix rejects it)")
        }
    }

    /// A little-endian IEEE half at `p` (any alignment), widened exactly to `Float`.
    @inline(__always)
    static func loadHalf(_ p: UnsafePointer<UInt8>) -> Float {
        Float(Float16(bitPattern: UInt16(p[0]) | UInt16(p[1]) << 8))
    }

    // MARK: - 32-element blocks (ggml-common.h block_q4_0 … block_q8_0)

    /// `{f16 d; u8 qs[16]}`: element i < 16 is the low nibble of qs[i], i ≥ 16 the high nibble of
    /// qs[i-16]; value `d · (q − 8)`.
    @inline(__always)
    static func q4_0(_ b: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(b)
        let qs = b + 2
        for j in 0..<16 {
            y[j] = d * Float(Int32(qs[j] & 0x0F) - 8)
            y[j + 16] = d * Float(Int32(qs[j] >> 4) - 8)
        }
    }

    /// `{f16 d, m; u8 qs[16]}`: nibbles as Q4_0; value `d · q + m`.
    @inline(__always)
    static func q4_1(_ b: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(b), m = loadHalf(b + 2)
        let qs = b + 4
        for j in 0..<16 {
            y[j] = d * Float(qs[j] & 0x0F) + m
            y[j + 16] = d * Float(qs[j] >> 4) + m
        }
    }

    /// `{f16 d; u8 qh[4]; u8 qs[16]}`: low nibbles as Q4_0, bit i of the little-endian u32 `qh`
    /// is bit 4 of element i; value `d · (q − 16)`.
    @inline(__always)
    static func q5_0(_ b: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(b)
        let qh = UInt32(b[2]) | UInt32(b[3]) << 8 | UInt32(b[4]) << 16 | UInt32(b[5]) << 24
        let qs = b + 6
        for j in 0..<16 {
            let lo = Int32(qs[j] & 0x0F) | Int32((qh >> UInt32(j)) & 1) << 4
            let hi = Int32(qs[j] >> 4) | Int32((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float(lo - 16)
            y[j + 16] = d * Float(hi - 16)
        }
    }

    /// `{f16 d; i8 qs[32]}`: value `q · d`.
    @inline(__always)
    static func q8_0(_ b: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = loadHalf(b)
        let qs = b + 2
        for j in 0..<32 { y[j] = Float(Int8(bitPattern: qs[j])) * d }
    }
}
