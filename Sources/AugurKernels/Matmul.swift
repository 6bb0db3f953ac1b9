import AugurGGUF
import AugurKernelsC
import Foundation

/// Implementation of the fused matmul kernels. All produce bit-identical results (same integer
/// block sums, same canonical float order; see ``MatmulReference``); they differ in speed only.
public enum MatmulBackend: String, Sendable, CaseIterable, Codable {
    /// AVX2 intrinsics in the AugurKernelsC target (`_mm256_maddubs_epi16` / `_mm256_madd_epi16`).
    case c
    /// Pure Swift with SIMD types (grouped Q4_K, ``WeightLayout/q4KGrouped``, runs the scalar twin).
    case swift
    /// The plain scalar twins (slow; for tests).
    case reference
}

/// Per-caller state of matrix products: activation quantization buffers and per-thread scratch,
/// allocated once and grown only when a larger shape arrives. Create one per decoding session
/// (not thread-safe: one product at a time per context).
public final class MatmulContext {
    /// Kernel implementation used by products through this context.
    public var backend: MatmulBackend
    /// Worker threads (1 = run on the calling thread).
    public var threadCount: Int
    let activations = QuantizedActivations()
    private(set) var floatScratch = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var floatScratchPerThread = 0
    private var floatScratchThreads = 0

    public init(threadCount: Int = Matmul.defaultThreadCount, backend: MatmulBackend = Matmul.defaultBackend) {
        self.threadCount = max(1, threadCount)
        self.backend = backend
    }

    deinit { floatScratch.deallocate() }

    /// Scratch of `k` floats for worker `worker`.
    func scratch(worker: Int) -> UnsafeMutablePointer<Float> { floatScratch + worker * floatScratchPerThread }

    func reserveFloatScratch(cols k: Int, threads: Int) {
        guard k > floatScratchPerThread || threads > floatScratchThreads else { return }
        floatScratch.deallocate()
        floatScratchPerThread = max(k, floatScratchPerThread)
        floatScratchThreads = max(threads, floatScratchThreads)
        floatScratch = .allocate(capacity: floatScratchPerThread * floatScratchThreads)
    }
}

/// Quantized matrix products `y = x · Wᵀ` for small M (decode and speculative verification).
///
/// Weights stay in their GGML format (Q4_K possibly in the grouped layout, ``WeightLayout``) and are
/// never widened to fp32 in memory: each
/// activation row is quantized once per call to 8-bit blocks (``QuantizedActivations``), and each
/// weight block is unpacked once and applied to all M activation rows with integer dot products
/// (llama.cpp's `ggml_vec_dot_<w>_q8_<0|K>` scheme, with the M loop innermost). F32/F16/BF16
/// weights use float dot products with the fp32 activations.
///
/// Row m of the result is bit-identical whatever M is (every row is computed by the same sequence
/// of operations), so batched verification equals single-token decoding exactly.
public enum Matmul {
    /// Threads used by products without an explicit context (default: active processors).
    nonisolated(unsafe) public static var defaultThreadCount = ProcessInfo.processInfo.activeProcessorCount
    /// Backend used by products without an explicit context (the fastest one measured).
    nonisolated(unsafe) public static var defaultBackend = MatmulBackend.c
    /// Largest supported M.
    public static let maxRows = 64

    private static let poolLock = NSLock()
    nonisolated(unsafe) private static var pool: [MatmulContext] = []

    /// `y[m][n] = Σ_k W[n][k] · x[m][k]` for `m < rowCount`, using a pooled context with the
    /// default thread count and backend.
    /// - Parameters:
    ///   - w: weights, N × K.
    ///   - x: activations, `rowCount × w.cols` floats, row-major.
    ///   - rowCount: M, 1…64.
    ///   - y: output, `rowCount × w.rows` floats, row-major.
    public static func multiply(_ w: WeightMatrix, _ x: UnsafePointer<Float>, rowCount: Int, into y: UnsafeMutablePointer<Float>) {
        poolLock.lock()
        let ctx = pool.popLast() ?? MatmulContext()
        poolLock.unlock()
        ctx.threadCount = defaultThreadCount
        ctx.backend = defaultBackend
        multiply(w, x, rowCount: rowCount, into: y, context: ctx)
        poolLock.lock()
        pool.append(ctx)
        poolLock.unlock()
    }

    /// Same as ``multiply(_:_:rowCount:into:)`` with the caller's context (thread count, backend,
    /// buffers). Allocates nothing once the context has seen this shape.
    public static func multiply(_ w: WeightMatrix, _ x: UnsafePointer<Float>, rowCount m: Int,
                                into y: UnsafeMutablePointer<Float>, context ctx: MatmulContext) {
        precondition(m >= 1 && m <= maxRows, "Matmul: rowCount \(m) outside 1...\(maxRows)")
        let n = w.rows, k = w.cols
        let threads = ctx.threadCount
        // Grouped Q4_K has no Swift SIMD kernel: that backend runs the scalar twin for it.
        if ctx.backend == .reference || (ctx.backend == .swift && w.layout != .stored) {
            MatmulReference.multiply(w, x, rowCount: m, into: y, activations: ctx.activations)
            return
        }
        guard let layout = ActivationQuant.layout(for: w.type) else {
            ctx.reserveFloatScratch(cols: k, threads: threads)
            let backend = ctx.backend
            ParallelRows.run(rows: n, threads: threads) { r0, r1, worker in
                let scratch = ctx.scratch(worker: worker)
                if backend == .c {
                    augur_mm_float(Int32(w.type.rawValue), w.data, w.rowBytes, Int32(r0), Int32(r1), Int32(k),
                                   x, Int32(k), Int32(m), y, Int32(n), scratch)
                } else {
                    MatmulSwift.floatRows(w, r0, r1, x, m, y, scratch)
                }
            }
            return
        }
        let act = ctx.activations
        ActivationQuant.quantize(x, rowCount: m, cols: k, layout: layout, into: act, backend: ctx.backend)
        if ctx.backend == .swift {
            ParallelRows.run(rows: n, threads: threads) { r0, r1, _ in
                MatmulSwift.quantizedRows(w, r0, r1, act, m, y)
            }
            return
        }
        if w.layout == .q4KGrouped { act.groupForQ4K() }
        let kernel = cKernel(w)
        withUnsafePointer(to: act.cView) { ap in
            ParallelRows.run(rows: n, threads: threads) { r0, r1, _ in
                kernel(w.data, w.rowBytes, Int32(r0), Int32(r1), Int32(k), ap, Int32(m), y, Int32(n))
            }
        }
    }

    /// `ys[i] = x · ws[i]ᵀ` for each matrix of `ws` (1…``ParallelRows/maxSegments`` matrices with the
    /// same K), e.g. a layer's q/k/v or gate/up projections: one activation quantization and one
    /// parallel dispatch for all of them (fewer thread wake-ups per token: the K/V projections of
    /// a GQA model are small). Results are bit-identical to one ``multiply(_:_:rowCount:into:context:)``
    /// per matrix, which is what runs when the matrices need different activation layouts or the
    /// backend is not ``MatmulBackend/c``.
    /// - Parameters:
    ///   - ys: one output per matrix, `rowCount × ws[i].rows` floats each.
    public static func multiply(_ ws: [WeightMatrix], _ x: UnsafePointer<Float>, rowCount m: Int,
                                into ys: [UnsafeMutablePointer<Float>], context ctx: MatmulContext) {
        precondition(ws.count == ys.count && !ws.isEmpty && ws.count <= ParallelRows.maxSegments,
                     "Matmul: \(ws.count) matrices for \(ys.count) outputs")
        precondition(m >= 1 && m <= maxRows, "Matmul: rowCount \(m) outside 1...\(maxRows)")
        let k = ws[0].cols
        guard ctx.backend == .c, let layout = ActivationQuant.layout(for: ws[0].type),
              ws.allSatisfy({ $0.cols == k && ActivationQuant.layout(for: $0.type) == layout }) else {
            for i in ws.indices { multiply(ws[i], x, rowCount: m, into: ys[i], context: ctx) }
            return
        }
        let act = ctx.activations
        ActivationQuant.quantize(x, rowCount: m, cols: k, layout: layout, into: act, backend: .c)
        if ws.contains(where: { $0.layout == .q4KGrouped }) { act.groupForQ4K() }
        withUnsafePointer(to: act.cView) { ap in
            ParallelRows.run(segmentCount: ws.count, rows: { ws[$0].rows }, threads: ctx.threadCount) { i, r0, r1 in
                let w = ws[i]
                cKernel(w)(w.data, w.rowBytes, Int32(r0), Int32(r1), Int32(k), ap, Int32(m), ys[i], Int32(w.rows))
            }
        }
    }

    typealias CKernel = @convention(c) (UnsafeRawPointer?, Int, Int32, Int32, Int32, UnsafePointer<augur_act>?, Int32,
                                        UnsafeMutablePointer<Float>?, Int32) -> Void

    /// The AVX2 kernel of a quantized weight matrix (by type and layout).
    @inline(__always)
    static func cKernel(_ w: WeightMatrix) -> CKernel {
        if w.layout == .q4KGrouped { return augur_mm_q4_K_grouped }
        switch w.type {
        case .q4_0: return augur_mm_q4_0
        case .q4_1: return augur_mm_q4_1
        case .q5_0: return augur_mm_q5_0
        case .q8_0: return augur_mm_q8_0
        case .q4_K: return augur_mm_q4_K
        case .q5_K: return augur_mm_q5_K
        default: return augur_mm_q6_K
        }
    }
}
