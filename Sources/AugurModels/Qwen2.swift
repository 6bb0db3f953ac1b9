import AugurGGUF

/// Qwen2 / Qwen2.5 (Qwen Team 2024, "Qwen2 Technical Report"; llama.cpp `src/models/qwen2.cpp`):
/// the llama block with biases on the Q, K and V projections, half-split ("NEOX") RoPE, and an
/// output layer of its own (`output.weight`) unless the file ties it to the embedding.
enum Qwen2 {
    static let architecture = "qwen2"

    static func weights(_ file: GGUFFile, _ config: ModelConfig) throws -> ModelWeights {
        guard config.ropeLayout == .halfSplit, config.attentionBias else {
            throw ModelError.badConfig("qwen2 expects half-split RoPE and Q/K/V biases")
        }
        return try ModelWeights.load(file, config, biases: true, tiedOutput: config.tiedEmbeddings)
    }
}
