import AugurGGUF
import AugurKernels
import Foundation

/// A decoder-only transformer (pre-norm llama block: RMSNorm → GQA attention with RoPE → residual
/// → RMSNorm → SwiGLU FFN → residual) running on weights mapped from a GGUF file.
///
/// The architectures differ only in how their weights are found (`Qwen2.swift`, `Llama.swift`);
/// the block code here is shared. Activation buffers for up to ``maxChunkRows`` tokens are
/// allocated once; longer batches (prompt prefill) run in chunks of that many rows, each chunk's
/// K/V entering the cache before the next starts. Not thread-safe: one model per task.
///
/// ```swift
/// let model = try loadModel(path: "qwen2.5-coder-1.5b-instruct.gguf")
/// let cache = model.makeCache(capacity: 4096)
/// let logits = try model.forward(promptIds, cache: cache, rows: .last)
/// ```
public final class TransformerModel: TreeLanguageModel {
    /// Rows of one internal forward chunk (the matmul kernels take at most 64).
    public static let maxChunkRows = Matmul.maxRows

    public let config: ModelConfig
    /// Keeps the mapping the weight views point into alive.
    let file: GGUFFile
    let weights: ModelWeights
    let scratch: ForwardScratch
    /// Matmul state (quantized-activation buffers, thread count, backend), reused by every product.
    /// Callers may change its `threadCount` or `backend` between forwards.
    public let matmul: MatmulContext
    /// Per layer, the projections that share an input ([q, k, v] and [gate, up]), run as one
    /// grouped product each, with their outputs in `scratch` (built once: no per-token arrays).
    let qkv: [[WeightMatrix]], gateUp: [[WeightMatrix]]
    let qkvOut: [UnsafeMutablePointer<Float>], gateUpOut: [UnsafeMutablePointer<Float>]

    /// How the weights were prepared (``ModelLoadOptions/none``: as stored).
    public let loadOptions: ModelLoadOptions
    /// Matrices converted at load (``ModelLoadOptions/requantize``), kept alive with the model.
    let requantizedMatrices: [RequantizedMatrix]
    /// Q4_K matrices rearranged at load (``ModelLoadOptions/groupQ4K``), kept alive with the model.
    let groupedMatrices: [GroupedQ4KMatrix]

    /// Builds the model of `file` for its `general.architecture`, with weights as stored.
    /// - Throws: `ModelError.unsupportedArchitecture`, `.badConfig`, `GGUFError` for missing or
    ///   unsupported tensors.
    public convenience init(file: GGUFFile) throws {
        try self.init(file: file, options: .none)
    }

    /// Builds the model of `file`, preparing its weights as `options` says (e.g. requantized into
    /// a cheaper type for a draft model).
    /// - Throws: as ``init(file:)``.
    public init(file: GGUFFile, options: ModelLoadOptions) throws {
        let config = try ModelConfig(gguf: file)
        let stored: ModelWeights
        switch config.architecture {
        case Qwen2.architecture: stored = try Qwen2.weights(file, config)
        case Llama.architecture: stored = try Llama.weights(file, config)
        default: throw ModelError.unsupportedArchitecture(config.architecture)
        }
        var prepared = stored
        if let limit = options.vocabularyLimit {
            prepared = stored.truncatedVocabulary(limit: limit, tokenTypes: try file.intArray("tokenizer.ggml.token_type"))
        }
        let requantized: ModelWeights
        (requantized, requantizedMatrices) = prepared.requantized(options)
        if options.groupQ4K && Matmul.defaultBackend == .c && getenv("AUGUR_Q4K_STORED") == nil {
            (weights, groupedMatrices) = requantized.groupedQ4K(threads: options.threadCount) { file.releasePages($0) }
        } else {
            (weights, groupedMatrices) = (requantized, [])
        }
        loadOptions = options
        self.config = config
        self.file = file
        scratch = ForwardScratch(config: config, rows: Self.maxChunkRows)
        matmul = MatmulContext()
        qkv = weights.layers.map { [$0.query, $0.key, $0.value] }
        gateUp = weights.layers.map { [$0.gate, $0.up] }
        qkvOut = [scratch.query, scratch.key, scratch.value]
        gateUpOut = [scratch.gate, scratch.up]
    }

    /// Bytes of weights converted at load and held in memory (0 without requantization).
    public var requantizedByteCount: Int { requantizedMatrices.reduce(0) { $0 + $1.byteCount } }

    /// Bytes of Q4_K weights rearranged at load into the grouped layout and held in memory
    /// (``ModelLoadOptions/groupQ4K``; 0 when off or the model has no Q4_K matrix).
    public var groupedByteCount: Int { groupedMatrices.reduce(0) { $0 + $1.byteCount } }

    /// Bytes one decode step reads from weight matrices: every block matrix and the output layer
    /// (the embedding contributes one row per token and is left out).
    public var matrixByteCount: Int {
        let layerBytes = weights.layers.reduce(0) { sum, l in
            sum + [l.query, l.key, l.value, l.attentionOutput, l.gate, l.up, l.down].reduce(0) { $0 + $1.rowBytes * $1.rows }
        }
        let tail = weights.outputTail.map { $0.matrix.rowBytes * $0.matrix.rows } ?? 0
        return layerBytes + weights.output.rowBytes * weights.output.rows + tail
    }

    public func makeCache(capacity: Int) -> KVCache {
        KVCache(capacity: capacity, layerCount: config.layerCount, kvHeadCount: config.kvHeadCount,
                headDim: config.headDim)
    }

    /// Runs `tokens` at positions `cache.count ..< cache.count + tokens.count` and returns the logits
    /// of `rows` (`.all`: one row per token; `.last`: the last token only; `.none`: no rows).
    /// - Throws: `ModelError.emptyBatch`, `.tokenOutOfRange`, `.contextFull` (checked before any
    ///   work: the cache is unchanged), `.badConfig` for a cache made for another shape.
    public func forward(_ tokens: [Int32], cache: KVCache, rows: LogitRows) throws -> Logits {
        try validate(tokens, cache: cache)

        let vocab = config.vocabSize
        let outRows: Int
        switch rows {
        case .all: outRows = tokens.count
        case .last: outRows = 1
        case .none: outRows = 0
        }
        let values = try [Float](unsafeUninitializedCapacity: outRows * vocab) { logits, initialized in
            try tokens.withUnsafeBufferPointer { ids in
                var start = 0
                while start < ids.count {
                    let m = min(Self.maxChunkRows, ids.count - start)
                    let first = cache.count
                    for i in 0..<m { scratch.positions[i] = first + i }
                    runChunk(ids.baseAddress! + start, count: m, firstSlot: first,
                             mask: .causal(firstPosition: first), cache: cache)
                    let isLast = start + m == ids.count
                    switch rows {
                    case .all: projectToVocabulary(rows: 0..<m, into: logits.baseAddress! + start * vocab)
                    case .last where isLast: projectToVocabulary(rows: (m - 1)..<m, into: logits.baseAddress!)
                    default: break
                    }
                    try cache.advance(by: m)
                    start += m
                }
            }
            initialized = outRows * vocab
        }
        return Logits(rowCount: outRows, vocabSize: vocab, values: values)
    }

    /// Checks a batch before any work: tokens, cache shape, room.
    /// - Throws: `ModelError.emptyBatch`, `.tokenOutOfRange`, `.badConfig`, `.contextFull`.
    private func validate(_ tokens: [Int32], cache: KVCache) throws {
        guard !tokens.isEmpty else { throw ModelError.emptyBatch }
        for t in tokens where t < 0 || Int(t) >= config.vocabSize {
            throw ModelError.tokenOutOfRange(token: t, vocabSize: config.vocabSize)
        }
        guard cache.layerCount == config.layerCount, cache.kvHeadCount == config.kvHeadCount,
              cache.headDim == config.headDim else {
            throw ModelError.badConfig("KV cache shape (\(cache.layerCount) layers, \(cache.kvHeadCount) KV heads × \(cache.headDim)) does not match the model")
        }
        try cache.checkRoom(for: tokens.count)
    }

    /// One chunk: ``maxChunkRows``.
    public var maxTreeNodes: Int { Self.maxChunkRows }

    /// See ``TreeLanguageModel/forwardTree(_:parents:cache:logitRows:)``: one chunk (≤ ``maxChunkRows``
    /// nodes) with per-node positions and an ancestor mask.
    public func forwardTree(_ tokens: [Int32], parents: [Int], cache: KVCache, logitRows: [Int]?) throws -> Logits {
        guard parents.count == tokens.count else {
            throw ModelError.invalidTree("\(tokens.count) tokens but \(parents.count) parent links")
        }
        guard tokens.count <= Self.maxChunkRows else {
            throw ModelError.invalidTree("\(tokens.count) nodes; one forward takes at most \(Self.maxChunkRows)")
        }
        for (i, p) in parents.enumerated() where p < -1 || p >= i {
            throw ModelError.invalidTree("node \(i) has parent \(p); parents must come before their children (or be −1)")
        }
        if let rows = logitRows {
            for (j, r) in rows.enumerated() where r < 0 || r >= tokens.count || (j > 0 && r <= rows[j - 1]) {
                throw ModelError.invalidTree("logit rows must ascend within 0..<\(tokens.count), got \(rows)")
            }
        }
        try validate(tokens, cache: cache)
        let base = cache.count, m = tokens.count
        let visible = TreeLayout.visibleRanges(parents: parents, cachedLength: base)
        for (i, d) in TreeLayout.depths(parents: parents).enumerated() { scratch.positions[i] = base + d }
        let vocab = config.vocabSize
        let outRows = logitRows?.count ?? m
        let values = [Float](unsafeUninitializedCapacity: outRows * vocab) { logits, initialized in
            tokens.withUnsafeBufferPointer { ids in
                runChunk(ids.baseAddress!, count: m, firstSlot: base, mask: .ranges(visible), cache: cache)
            }
            if let rows = logitRows {
                for (j, r) in rows.enumerated() { projectToVocabulary(rows: r..<(r + 1), into: logits.baseAddress! + j * vocab) }
            } else {
                projectToVocabulary(rows: 0..<m, into: logits.baseAddress!)
            }
            initialized = outRows * vocab
        }
        try cache.advance(by: m)
        return Logits(rowCount: outRows, vocabSize: vocab, values: values)
    }

    /// One chunk of `count ≤ maxChunkRows` tokens through every block. Row `i` is stored in cache
    /// slot `firstSlot + i`, rotated for position `scratch.positions[i]` and attends to what `mask`
    /// allows; the final residual stream is left in `scratch.hidden`. (A tree verifier would pass
    /// its own positions and mask here.)
    func runChunk(_ tokens: UnsafePointer<Int32>, count m: Int, firstSlot: Int, mask: AttentionMask, cache: KVCache) {
        let c = config, s = scratch
        let d = c.embeddingLength, hd = c.headDim
        let qDim = c.headCount * hd, kvDim = c.kvHeadCount * hd, ff = c.feedForwardLength
        let embedding = weights.tokenEmbedding
        for i in 0..<m {
            Dequantize.row(embedding.type, embedding.row(Int(tokens[i])), count: d, into: s.hidden + i * d)
        }
        Rope.table(positions: s.positions, count: m, headDim: hd, base: c.ropeBase, cos: s.cos, sin: s.sin)
        let shape = AttentionShape(headCount: c.headCount, kvHeadCount: c.kvHeadCount, headDim: hd,
                                   kvHeadStride: cache.kvHeadStride)

        for (l, w) in weights.layers.enumerated() {
            // Attention sub-block.
            normalize(rows: m, weight: w.attentionNorm, into: s.normed)
            Matmul.multiply(qkv[l], s.normed, rowCount: m, into: qkvOut, context: matmul)
            if let b = w.queryBias { addBias(b, to: s.query, rows: m) }
            if let b = w.keyBias { addBias(b, to: s.key, rows: m) }
            if let b = w.valueBias { addBias(b, to: s.value, rows: m) }
            for i in 0..<m {
                let cosRow = s.cos + i * (hd / 2), sinRow = s.sin + i * (hd / 2)
                Rope.apply(s.query + i * qDim, headCount: c.headCount, headDim: hd, cos: cosRow, sin: sinRow, layout: c.ropeLayout)
                Rope.apply(s.key + i * kvDim, headCount: c.kvHeadCount, headDim: hd, cos: cosRow, sin: sinRow, layout: c.ropeLayout)
                cache.store(layer: l, position: firstSlot + i, key: s.key + i * kvDim, value: s.value + i * kvDim)
            }
            Attention.attend(queries: s.query, rowCount: m, keys: cache.keys(layer: l), values: cache.values(layer: l),
                             shape: shape, mask: mask, into: s.attention)
            multiply(w.attentionOutput, s.attention, rowCount: m, into: s.projected)
            addInPlace(s.hidden, s.projected, count: m * d)

            // Feed-forward sub-block.
            normalize(rows: m, weight: w.ffnNorm, into: s.normed)
            Matmul.multiply(gateUp[l], s.normed, rowCount: m, into: gateUpOut, context: matmul)
            Activation.swiglu(gate: s.gate, up: s.up, count: m * ff, into: s.gate)
            multiply(w.down, s.gate, rowCount: m, into: s.projected)
            addInPlace(s.hidden, s.projected, count: m * d)
        }
    }

    /// Final norm and output layer for `rows` of the chunk in `scratch.hidden`;
    /// writes `rows.count × vocabSize` logits.
    func projectToVocabulary(rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let d = config.embeddingLength
        weights.outputNorm.withUnsafeBufferPointer { w in
            for (j, i) in rows.enumerated() {
                Norm.rms(scratch.hidden + i * d, weight: w.baseAddress!, count: d, eps: config.rmsNormEps,
                         into: scratch.normed + j * d)
            }
        }
        let vocab = config.vocabSize, head = weights.output.rows
        guard head < vocab else {
            multiply(weights.output, scratch.normed, rowCount: rows.count, into: out)
            return
        }
        // Truncated vocabulary (ModelLoadOptions.vocabularyLimit): head rows, −∞, the tail rows.
        let tailStart = weights.outputTail?.start ?? vocab
        let tailEnd = tailStart + (weights.outputTail?.matrix.rows ?? 0)
        for j in 0..<rows.count {
            let o = out + j * vocab, x = scratch.normed + j * d
            multiply(weights.output, x, rowCount: 1, into: o)
            for i in head..<tailStart { o[i] = -.infinity }
            if let tail = weights.outputTail { multiply(tail.matrix, x, rowCount: 1, into: o + tail.start) }
            for i in tailEnd..<vocab { o[i] = -.infinity }
        }
    }

    /// `y = x · wᵀ` for `rows` rows through this model's matmul context.
    @inline(__always)
    private func multiply(_ w: WeightMatrix, _ x: UnsafeMutablePointer<Float>, rowCount: Int, into y: UnsafeMutablePointer<Float>) {
        Matmul.multiply(w, x, rowCount: rowCount, into: y, context: matmul)
    }

    /// RMS-normalises the first `rows` rows of `scratch.hidden` into `out`.
    private func normalize(rows: Int, weight: [Float], into out: UnsafeMutablePointer<Float>) {
        let d = config.embeddingLength
        weight.withUnsafeBufferPointer { w in
            for i in 0..<rows {
                Norm.rms(scratch.hidden + i * d, weight: w.baseAddress!, count: d, eps: config.rmsNormEps, into: out + i * d)
            }
        }
    }

    /// Adds `bias` to each of `rows` rows of `x` (row width `bias.count`).
    private func addBias(_ bias: [Float], to x: UnsafeMutablePointer<Float>, rows: Int) {
        bias.withUnsafeBufferPointer { b in
            for i in 0..<rows { addInPlace(x + i * b.count, b.baseAddress!, count: b.count) }
        }
    }
}

/// `y[i] += x[i]` for `i < count`.
@inline(__always)
private func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { y[i] += x[i] }
}

@inline(__always)
private func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, count: Int) {
    addInPlace(y, UnsafePointer(x), count: count)
}

/// Opens the GGUF at `path` and builds its model (`qwen2` or `llama`), weights prepared as
/// `options` says.
/// - Throws: `GGUFError` when the file cannot be read, `ModelError.unsupportedArchitecture` /
///   `.badConfig` when it is not a supported model.
public func loadModel(path: String, options: ModelLoadOptions = .none) throws -> TransformerModel {
    try TransformerModel(file: GGUFFile(path: path), options: options)
}
