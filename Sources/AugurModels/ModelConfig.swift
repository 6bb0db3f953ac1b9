import AugurGGUF
import AugurKernels

/// How RoPE pairs the dimensions of a head (defined next to the RoPE kernel).
public typealias RopeLayout = AugurKernels.RopeLayout

/// Hyper-parameters of a decoder-only transformer, read from GGUF metadata
/// (`<arch>.block_count`, `<arch>.embedding_length`, … per the GGUF spec's LLM section).
public struct ModelConfig: Sendable, Codable, Equatable {
    public var architecture: String
    public var vocabSize: Int
    /// Hidden size d_model.
    public var embeddingLength: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    /// FFN inner size.
    public var feedForwardLength: Int
    public var ropeBase: Float
    public var ropeLayout: RopeLayout
    public var rmsNormEps: Float
    /// Training context length (`<arch>.context_length`).
    public var contextLength: Int
    /// Whether Q, K and V projections have biases (qwen2).
    public var attentionBias: Bool
    /// Whether the output layer reuses the token embedding (no `output.weight`).
    public var tiedEmbeddings: Bool

    public init(architecture: String, vocabSize: Int, embeddingLength: Int, layerCount: Int, headCount: Int,
                kvHeadCount: Int, headDim: Int, feedForwardLength: Int, ropeBase: Float, ropeLayout: RopeLayout,
                rmsNormEps: Float, contextLength: Int, attentionBias: Bool, tiedEmbeddings: Bool) {
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.embeddingLength = embeddingLength
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.feedForwardLength = feedForwardLength
        self.ropeBase = ropeBase
        self.ropeLayout = ropeLayout
        self.rmsNormEps = rmsNormEps
        self.contextLength = contextLength
        self.attentionBias = attentionBias
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Bytes of an f16 KV cache for `capacity` positions (K and V, every layer), or nil when the
    /// size does not fit in `Int`. Lets callers refuse an impossible `--ctx` before allocating.
    public func kvCacheBytes(capacity: Int) -> Int? {
        var total = 2 * MemoryLayout<Float16>.size
        for factor in [layerCount, kvHeadCount, headDim, capacity] {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// Reads the configuration of a `qwen2` or `llama` GGUF.
    /// - Throws: `ModelError.unsupportedArchitecture`, `GGUFError.missingMetadata`, `ModelError.badConfig`
    ///   when values are inconsistent (e.g. heads not dividing the embedding).
    public init(gguf file: GGUFFile) throws {
        let arch = try file.requireString("general.architecture")
        let layout: RopeLayout
        switch arch {
        case "qwen2": layout = .halfSplit
        case "llama": layout = .adjacentPairs
        default: throw ModelError.unsupportedArchitecture(arch)
        }
        let embd = try file.requireInt("\(arch).embedding_length")
        let heads = try file.requireInt("\(arch).attention.head_count")
        let kvHeads = file.int("\(arch).attention.head_count_kv") ?? heads
        guard embd > 0, heads > 0, kvHeads > 0, embd % heads == 0, heads % kvHeads == 0 else {
            throw ModelError.badConfig("embedding \(embd), heads \(heads), kv heads \(kvHeads)")
        }
        let headDim = file.int("\(arch).attention.key_length") ?? embd / heads
        let vocab: Int
        if let v = file.int("\(arch).vocab_size") {
            vocab = v
        } else {
            vocab = try file.requireTensor("token_embd.weight").rowCount
        }
        self.init(
            architecture: arch,
            vocabSize: vocab,
            embeddingLength: embd,
            layerCount: try file.requireInt("\(arch).block_count"),
            headCount: heads,
            kvHeadCount: kvHeads,
            headDim: headDim,
            feedForwardLength: try file.requireInt("\(arch).feed_forward_length"),
            ropeBase: Float(file.double("\(arch).rope.freq_base") ?? 10000),
            ropeLayout: layout,
            rmsNormEps: Float(try file.requireDouble("\(arch).attention.layer_norm_rms_epsilon")),
            contextLength: file.int("\(arch).context_length") ?? 4096,
            attentionBias: file.tensorInfo("blk.0.attn_q.bias") != nil,
            tiedEmbeddings: file.tensorInfo("output.weight") == nil)
        guard layerCount > 0, feedForwardLength > 0, vocabSize > 0, headDim % 2 == 0 else {
            throw ModelError.badConfig("layers \(layerCount), ffn \(feedForwardLength), vocab \(vocabSize), head dim \(headDim)")
        }
    }
}
