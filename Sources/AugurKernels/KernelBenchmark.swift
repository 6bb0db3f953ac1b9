import AugurGGUF
import AugurKernelsC
import Dispatch

/// Measured speed of the matmul kernels (`augur bench --kernels`).
public struct KernelBenchmarkResult: Codable, Sendable {
    /// One backend on one matrix.
    public struct Backend: Codable, Sendable {
        public var backend: MatmulBackend
        /// Median seconds of one M=1 product (weights evicted from cache before each run).
        public var m1Seconds: Double
        /// Fastest M=1 product, seconds (less disturbed by other load than the median).
        public var m1BestSeconds: Double
        /// Weight bytes / `m1BestSeconds`, in GB/s (1e9 bytes).
        public var m1GBps: Double
        /// Cost of each measured M relative to M=1.
        public var ratios: [Ratio]
    }

    /// Cost of M rows relative to one.
    public struct Ratio: Codable, Sendable {
        public var m: Int
        /// Median time at M divided by the median M=1 time (both sampled in the same rounds).
        public var timeVsM1: Double
        /// Fastest time at M divided by the fastest M=1 time.
        public var bestVsM1: Double
    }

    /// One weight matrix.
    public struct Matrix: Codable, Sendable {
        public var name: String
        public var type: String
        /// N × K.
        public var rows: Int
        public var cols: Int
        public var bytes: Int
        public var backends: [Backend]
    }

    public var threads: Int
    /// Streaming-read bandwidth over a buffer larger than the caches, in GB/s.
    public var streamReadGBps: Double
    public var matrices: [Matrix]
}

/// Microbenchmarks of the fused matmul kernels: the memory roof and, per real weight matrix and
/// backend, the M=1 time (and its effective bandwidth) and the cost of M = 2…16 relative to M = 1
/// (verification batches: k drafted tokens are checked with M = k + 1 rows).
///
/// Each timed product starts with its weights evicted from the caches (a 64 MiB buffer is read in
/// between), as in decoding, where a token streams the whole model.
public enum KernelBenchmark {
    /// A matrix to measure.
    public struct Case {
        public var name: String
        public var matrix: WeightMatrix
        /// Keeps converted weights (a ``GroupedQ4KMatrix``) alive while the case is used.
        public var owner: AnyObject?
        public init(name: String, matrix: WeightMatrix, owner: AnyObject? = nil) {
            self.name = name
            self.matrix = matrix
            self.owner = owner
        }
    }

    /// Tensors measured by default, per model file name: (model, tensor).
    public static let standardTensors: [(model: String, tensor: String)] = [
        ("qwen2.5-coder-1.5b-instruct", "blk.0.ffn_gate.weight"),
        ("qwen2.5-coder-1.5b-instruct", "blk.0.ffn_down.weight"),
        ("qwen2.5-coder-1.5b-instruct", "output.weight"),
        ("qwen2.5-coder-0.5b-instruct", "blk.0.ffn_gate.weight"),
        ("qwen2.5-coder-0.5b-instruct", "output.weight"),
        ("smollm2-135m-instruct", "blk.0.ffn_gate.weight"),
    ]

    /// Opens the standard tensors found in `directory` (`<model>.gguf`); missing models are
    /// skipped; a Q4_K tensor is measured twice, as stored and in the grouped layout. The returned files
    /// must stay alive while the cases are used.
    /// - Throws: `GGUFError` when a present file is malformed or lacks a tensor.
    public static func standardCases(directory: String) throws -> (cases: [Case], files: [GGUFFile]) {
        var files: [String: GGUFFile] = [:]
        var cases: [Case] = []
        for (model, tensor) in standardTensors {
            let path = directory + "/" + model + ".gguf"
            if files[model] == nil {
                guard let f = try? GGUFFile(path: path) else { continue }
                files[model] = f
            }
            let w = try WeightMatrix(files[model]!, tensor)
            cases.append(Case(name: model + ":" + tensor, matrix: w))
            // Q4_K also in the grouped layout the models use (see WeightLayout).
            if let g = GroupedQ4KMatrix(w) { cases.append(Case(name: model + ":" + tensor + " (grouped)", matrix: g.matrix, owner: g)) }
        }
        return (cases, Array(files.values))
    }

    /// Streaming-read bandwidth in GB/s over `bytes` (> last-level cache), best of `repeats`.
    public static func streamReadGBps(bytes: Int = 256 << 20, threads: Int, repeats: Int = 5) -> Double {
        let buf = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        defer { buf.deallocate() }
        buf.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
        var best = Double.infinity
        for _ in 0..<repeats {
            best = min(best, seconds { parallelRead(buf, bytes, threads: threads) })
        }
        return Double(bytes) / best / 1e9
    }

    /// Measures `cases` for each backend. Every round times M = 1 and each M of `ms` once (in that
    /// order, so load changes on a shared machine hit all M alike); at least 5 rounds and until
    /// `minSeconds` per M have been spent (at most 200 rounds). `streamBytes` sizes the bandwidth probe.
    public static func run(cases: [Case], backends: [MatmulBackend] = [.c, .swift], ms: [Int] = [2, 3, 4, 5, 8, 9, 16],
                           threads: Int = Matmul.defaultThreadCount, minSeconds: Double = 0.3,
                           streamBytes: Int = 256 << 20) -> KernelBenchmarkResult {
        let evictBytes = 64 << 20
        let evict = UnsafeMutableRawPointer.allocate(byteCount: evictBytes, alignment: 4096)
        defer { evict.deallocate() }
        evict.initializeMemory(as: UInt8.self, repeating: 2, count: evictBytes)
        var result = KernelBenchmarkResult(threads: threads, streamReadGBps: streamReadGBps(bytes: streamBytes, threads: threads),
                                           matrices: [])
        let allM = [1] + ms
        let maxM = allM.max() ?? 1
        for c in cases {
            let w = c.matrix
            let x = UnsafeMutablePointer<Float>.allocate(capacity: maxM * w.cols)
            let y = UnsafeMutablePointer<Float>.allocate(capacity: maxM * w.rows)
            defer { x.deallocate(); y.deallocate() }
            for i in 0..<(maxM * w.cols) { x[i] = Float((i * 7919) % 2001) / 1000 - 1 }
            let bytes = w.rowBytes * w.rows
            var entry = KernelBenchmarkResult.Matrix(name: c.name, type: w.type.description, rows: w.rows, cols: w.cols,
                                                     bytes: bytes, backends: [])
            for backend in backends {
                let ctx = MatmulContext(threadCount: threads, backend: backend)
                for m in allM { Matmul.multiply(w, x, rowCount: m, into: y, context: ctx) }  // warm-up, sizes buffers
                var samples = [[Double]](repeating: [], count: allM.count)
                var total = 0.0
                while samples[0].count < 5 || (total < minSeconds * Double(allM.count) && samples[0].count < 200) {
                    for (i, m) in allM.enumerated() {
                        parallelRead(evict, evictBytes, threads: threads)
                        let s = seconds { Matmul.multiply(w, x, rowCount: m, into: y, context: ctx) }
                        samples[i].append(s)
                        total += s
                    }
                }
                for i in samples.indices { samples[i].sort() }
                let median = samples.map { $0[$0.count / 2] }, best = samples.map { $0[0] }
                let ratios = ms.indices.map {
                    KernelBenchmarkResult.Ratio(m: ms[$0], timeVsM1: median[$0 + 1] / median[0], bestVsM1: best[$0 + 1] / best[0])
                }
                entry.backends.append(.init(backend: backend, m1Seconds: median[0], m1BestSeconds: best[0],
                                            m1GBps: Double(bytes) / best[0] / 1e9, ratios: ratios))
            }
            result.matrices.append(entry)
        }
        return result
    }

    static func seconds(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    static func parallelRead(_ p: UnsafeRawPointer, _ bytes: Int, threads: Int) {
        let pages = bytes / 4096
        ParallelRows.run(rows: pages, threads: threads) { a, b, _ in
            _ = augur_stream_read(p + a * 4096, (b - a) * 4096)
        }
    }
}
