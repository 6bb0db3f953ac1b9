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

/// All weights of a decoder-only transformer, as named by the GGUF spec ("Standardized tensor
/// names": `token_embd`, `blk.N.*`, `output_norm`, `output`).
struct ModelWeights {
    /// `token_embd.weight`: vocab × embeddingLength.
    let tokenEmbedding: WeightMatrix
    let layers: [LayerWeights]
    /// `output_norm.weight`, `embeddingLength` floats.
    let outputNorm: [Float]
    /// `output.weight` (vocab × embeddingLength), or `token_embd.weight` when tied.
    let output: WeightMatrix

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
