import AugurGGUF
import AugurKernels

/// Weights of one decoder block. Matrices are read-only views into the mapped GGUF file; norm
/// weights and biases are small and dequantized to `Float` once at load.
struct LayerWeights {
    /// `blk.N.attn_norm.weight`, `embeddingLength` floats.
    let attentionNorm: [Float]
    /// `blk.N.attn_q/k/v.weight`: (heads·headDim | kvHeads·headDim) × embeddingLength.
    let query, key, value: WeightMatrix
    /// `blk.N.attn_q/k/v.bias` (qwen2), matching the projections' output sizes.
    let queryBias, keyBias, valueBias: [Float]?
    /// `blk.N.attn_output.weight`: embeddingLength × heads·headDim.
    let attentionOutput: WeightMatrix
    /// `blk.N.ffn_norm.weight`, `embeddingLength` floats.
    let ffnNorm: [Float]
    /// `blk.N.ffn_gate/up.weight`: feedForwardLength × embeddingLength; `ffn_down`: the reverse.
    let gate, up, down: WeightMatrix
}

extension LayerWeights {
    /// The same layer with `transform` applied to each of its seven matrices.
    func mapMatrices(_ transform: (WeightMatrix) -> WeightMatrix) -> LayerWeights {
        LayerWeights(attentionNorm: attentionNorm, query: transform(query), key: transform(key), value: transform(value),
                     queryBias: queryBias, keyBias: keyBias, valueBias: valueBias,
                     attentionOutput: transform(attentionOutput), ffnNorm: ffnNorm,
                     gate: transform(gate), up: transform(up), down: transform(down))
    }
}

/// All weights of a decoder-only transformer, as named by the GGUF spec ("Standardized tensor
/// names": `token_embd`, `blk.N.*`, `output_norm`, `output`).
struct ModelWeights {
    /// `token_embd.weight`: vocab × embeddingLength.
    let tokenEmbedding: WeightMatrix
    let layers: [LayerWeights]
    /// `output_norm.weight`, `embeddingLength` floats.
    let outputNorm: [Float]
    /// `output.weight` (vocab × embeddingLength), or `token_embd.weight` when tied; only its first
    /// rows when the vocabulary is truncated (``truncatedVocabulary(limit:tokenTypes:)``).
    let output: WeightMatrix
    /// With a truncated vocabulary: the rows kept after the head (special tokens), from token
    /// `start` on. Logits of tokens in neither part are −∞.
    var outputTail: OutputTail? = nil

    /// A contiguous block of output rows `start ..< start + matrix.rows`.
    struct OutputTail {
        let start: Int
        let matrix: WeightMatrix
    }

    /// Loads the standard tensor set of `file` for `config`, checking every shape.
    /// - Parameters:
    ///   - biases: whether Q/K/V carry biases (required when true).
    ///   - tiedOutput: whether the output layer is the token embedding.
    /// - Throws: `GGUFError.missingTensor` / `.unsupportedTensorType`, `ModelError.badConfig` on a
    ///   shape that disagrees with the config.
    static func load(_ file: GGUFFile, _ config: ModelConfig, biases: Bool, tiedOutput: Bool) throws -> ModelWeights {
        let d = config.embeddingLength
        let qDim = config.headCount * config.headDim, kvDim = config.kvHeadCount * config.headDim
        let ff = config.feedForwardLength
        let embedding = try matrix(file, "token_embd.weight", rows: config.vocabSize, cols: d)
        var layers: [LayerWeights] = []
        for n in 0..<config.layerCount {
            let p = "blk.\(n)."
            layers.append(LayerWeights(
                attentionNorm: try vector(file, p + "attn_norm.weight", count: d),
                query: try matrix(file, p + "attn_q.weight", rows: qDim, cols: d),
                key: try matrix(file, p + "attn_k.weight", rows: kvDim, cols: d),
                value: try matrix(file, p + "attn_v.weight", rows: kvDim, cols: d),
                queryBias: biases ? try vector(file, p + "attn_q.bias", count: qDim) : nil,
                keyBias: biases ? try vector(file, p + "attn_k.bias", count: kvDim) : nil,
                valueBias: biases ? try vector(file, p + "attn_v.bias", count: kvDim) : nil,
                attentionOutput: try matrix(file, p + "attn_output.weight", rows: d, cols: qDim),
                ffnNorm: try vector(file, p + "ffn_norm.weight", count: d),
                gate: try matrix(file, p + "ffn_gate.weight", rows: ff, cols: d),
                up: try matrix(file, p + "ffn_up.weight", rows: ff, cols: d),
                down: try matrix(file, p + "ffn_down.weight", rows: d, cols: ff)))
        }
        return ModelWeights(
            tokenEmbedding: embedding,
            layers: layers,
            outputNorm: try vector(file, "output_norm.weight", count: d),
            output: tiedOutput ? embedding : try matrix(file, "output.weight", rows: config.vocabSize, cols: d))
    }

    /// These weights with matrices converted as `options` asks (see ``ModelLoadOptions``); the
    /// converted matrices live in the returned owners, which must outlive the weights. The token
    /// embedding (read by row lookup) stays as stored; a tied output layer gets its own copy.
    func requantized(_ options: ModelLoadOptions) -> (weights: ModelWeights, owners: [RequantizedMatrix]) {
        guard let type = options.requantize, options.requantizeLayers || options.requantizeOutput else {
            return (self, [])
        }
        var owners: [RequantizedMatrix] = []
        func convert(_ w: WeightMatrix) -> WeightMatrix {
            guard Quantize.bytesPerWeight(type) < Quantize.bytesPerWeight(w.type),
                  let r = RequantizedMatrix(w, to: type, threads: options.threadCount) else { return w }
            owners.append(r)
            return r.matrix
        }
        let newLayers = options.requantizeLayers ? layers.map { $0.mapMatrices(convert) } : layers
        let newOutput = options.requantizeOutput ? convert(output) : output
        let newTail = outputTail.map { OutputTail(start: $0.start, matrix: options.requantizeOutput ? convert($0.matrix) : $0.matrix) }
        return (ModelWeights(tokenEmbedding: tokenEmbedding, layers: newLayers, outputNorm: outputNorm, output: newOutput,
                             outputTail: newTail),
                owners)
    }

    /// These weights with every Q4_K matrix rearranged into the grouped layout (``GroupedQ4KMatrix``),
    /// except one that shares bytes with the token embedding (a tied output layer: the embedding is
    /// read by row lookup in the stored layout). Returns the owners of the rearranged matrices, which
    /// must outlive the weights; `unused` gets each converted matrix's stored bytes right after its
    /// conversion (they are no longer read), so the caller can release them one at a time.
    func groupedQ4K(threads: Int, unused: (UnsafeRawBufferPointer) -> Void) -> (weights: ModelWeights, owners: [GroupedQ4KMatrix]) {
        var owners: [GroupedQ4KMatrix] = []
        let embedding = tokenEmbedding.data ..< tokenEmbedding.data + tokenEmbedding.rowBytes * tokenEmbedding.rows
        func convert(_ w: WeightMatrix) -> WeightMatrix {
            let bytes = w.data ..< w.data + w.rowBytes * w.rows
            guard !bytes.overlaps(embedding), let g = GroupedQ4KMatrix(w, threads: threads) else { return w }
            owners.append(g)
            unused(UnsafeRawBufferPointer(start: w.data, count: w.rowBytes * w.rows))
            return g.matrix
        }
        let weights = ModelWeights(tokenEmbedding: tokenEmbedding, layers: layers.map { $0.mapMatrices(convert) },
                                   outputNorm: outputNorm, output: convert(output),
                                   outputTail: outputTail.map { OutputTail(start: $0.start, matrix: convert($0.matrix)) })
        return (weights, owners)
    }

    /// These weights with an output layer that scores only token ids below `limit`, plus the
    /// control / user-defined tokens above it (`tokenTypes` 3 / 4, `tokenizer.ggml.token_type`):
    /// the rows from the first such token to the end of the vocabulary are kept as one block.
    /// Both parts are views of the stored matrix (nothing is copied). Unchanged when `limit` is at
    /// least the vocabulary size.
    func truncatedVocabulary(limit: Int, tokenTypes: [Int]?) -> ModelWeights {
        let vocab = output.rows
        guard limit < vocab, outputTail == nil else { return self }
        let n = max(1, limit)
        let head = output.rows(0, count: n)
        var tail: OutputTail?
        if let types = tokenTypes {
            let end = min(types.count, vocab)
            if n < end, let first = (n..<end).first(where: { types[$0] == 3 || types[$0] == 4 }) {
                tail = OutputTail(start: first, matrix: output.rows(first, count: end - first))
            }
        }
        return ModelWeights(tokenEmbedding: tokenEmbedding, layers: layers, outputNorm: outputNorm, output: head, outputTail: tail)
    }

    /// A weight matrix of the expected shape.
    static func matrix(_ file: GGUFFile, _ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
        let info = try file.requireTensor(name)
        guard info.rowCount == rows, info.rowLength == cols, info.dimensions.count <= 2 else {
            throw ModelError.badConfig("tensor \(name) has dimensions \(info.dimensions), expected [\(cols), \(rows)]")
        }
        guard cols % info.type.blockSize == 0 else {
            throw ModelError.badConfig("tensor \(name): row length \(cols) is not a whole number of \(info.type) blocks")
        }
        return try WeightMatrix(file, name)
    }

    /// A 1-D tensor of `count` elements, dequantized to floats.
    static func vector(_ file: GGUFFile, _ name: String, count: Int) throws -> [Float] {
        let m = try matrix(file, name, rows: 1, cols: count)
        return [Float](unsafeUninitializedCapacity: count) { buf, initialized in
            Dequantize.row(m.type, m.data, count: count, into: buf.baseAddress!)
            initialized = count
        }
    }
}

/// How a model's weights are prepared at load time. The default changes no value: every matrix keeps
/// its stored type; with the AVX2 backend (``Matmul/defaultBackend`` `.c`) Q4_K matrices are
/// rearranged into the grouped layout (``groupQ4K``), the rest is used in place from the mapped file.
///
/// With ``requantize`` set, matrices whose stored type costs more bytes per weight than that type
/// are converted into it once at load (dequantize, then ggml's reference round-to-nearest
/// quantizer; ``RequantizedMatrix``) and held in memory the model owns; the rest stays mapped. A
/// decode step reads fewer bytes, at some loss of accuracy: meant for a speculative draft model,
/// whose outputs only change how many drafted tokens are accepted, never the target's output.
///
/// ```swift
/// let draft = try TransformerModel(file: GGUFFile(path: p), options: ModelLoadOptions(requantize: .q4_0))
/// let cheaperHead = ModelLoadOptions(spec: "q4_0-output")  // only the output layer
/// ```
public struct ModelLoadOptions: Sendable, Equatable {
    /// Target type (one of `Quantize.producibleTypes`: Q4_0, Q4_1, Q8_0), or nil to keep the stored types.
    public var requantize: GGMLType?
    /// Convert the blocks' matrices (attention Q/K/V/output, FFN gate/up/down).
    public var requantizeLayers: Bool
    /// Convert the output layer (vocabulary × embedding, often the largest single matrix).
    public var requantizeOutput: Bool
    /// Rearrange Q4_K matrices into ``WeightLayout/q4KGrouped`` at load (``GroupedQ4KMatrix``: the
    /// same values, moved so that the AVX2 kernels need a quarter of the scale multiplies; ~0.3 s and
    /// the matrices' size in memory for the 1.5B, whose stored pages are then released). Applies only
    /// while ``Matmul/defaultBackend`` is `.c` and the environment has no `AUGUR_Q4K_STORED` (a
    /// benchmark aid to compare both layouts in one build). Default true.
    public var groupQ4K: Bool
    /// Threads converting at load.
    public var threadCount: Int
    /// Score only token ids below this (plus the special tokens after them); every other logit is
    /// −∞, so such tokens are never predicted. Ids in byte-level BPE vocabularies are roughly in
    /// merge order, so the first ids are the frequent ones: a draft model's output layer shrinks by
    /// `1 − limit/vocab` at a small loss of acceptance (cf. Zhao et al. 2025, "FR-Spec:
    /// frequency-ranked speculative sampling", which ranks by measured frequency instead). nil:
    /// the whole vocabulary.
    public var vocabularyLimit: Int?

    public init(requantize: GGMLType? = nil, layers: Bool = true, output: Bool = true, vocabularyLimit: Int? = nil,
                groupQ4K: Bool = true, threadCount: Int = Matmul.defaultThreadCount) {
        self.requantize = requantize
        self.groupQ4K = groupQ4K
        self.vocabularyLimit = vocabularyLimit
        requantizeLayers = layers
        requantizeOutput = output
        self.threadCount = max(1, threadCount)
    }

    /// Weights as stored (Q4_K grouped, see ``groupQ4K``).
    public static let none = ModelLoadOptions()

    /// Parses a command-line spelling: comma-separated parts, each `none`, `<type>` (every
    /// matrix), `<type>-output` (the output layer only) or `vocab=<N>` (``vocabularyLimit``), with
    /// `<type>` one of `q4_0`, `q4_1`, `q8_0` (case-insensitive); e.g. `q4_0,vocab=32768`.
    /// Returns nil for anything else.
    public init?(spec: String) {
        self.init()
        for part in spec.lowercased().split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if part == "none" { continue }
            if part.hasPrefix("vocab=") {
                guard vocabularyLimit == nil, let n = Int(part.dropFirst("vocab=".count)), n > 0 else { return nil }
                vocabularyLimit = n
                continue
            }
            var s = part
            let outputOnly = s.hasSuffix("-output")
            if outputOnly { s.removeLast("-output".count) }
            guard requantize == nil, let type = Quantize.producibleTypes.first(where: { $0.description.lowercased() == s }) else {
                return nil
            }
            requantize = type
            requantizeLayers = !outputOnly
        }
    }

    /// The spelling ``init(spec:)`` accepts for these options (`none`, `q4_0`, `q4_0-output`,
    /// `q4_0,vocab=32768`; `q4_0-layers` for the rare layers-only choice, which `init(spec:)` does
    /// not parse).
    public var spec: String {
        var parts: [String] = []
        if let t = requantize, requantizeLayers || requantizeOutput {
            let name = t.description.lowercased()
            parts.append(requantizeLayers ? (requantizeOutput ? name : name + "-layers") : name + "-output")
        }
        if let n = vocabularyLimit { parts.append("vocab=\(n)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}
