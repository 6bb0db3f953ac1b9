import AugurGGUF

/// Llama-architecture models (Touvron et al. 2023, "LLaMA"; llama.cpp `src/models/llama.cpp`),
/// e.g. SmolLM2: no projection biases, adjacent-pair RoPE (GGUF conversion permutes Q/K rows for
/// it), and an output layer tied to the token embedding when the file has no `output.weight`.
enum Llama {
    static let architecture = "llama"

    static func weights(_ file: GGUFFile, _ config: ModelConfig) throws -> ModelWeights {
        guard config.ropeLayout == .adjacentPairs else {
            throw ModelError.badConfig("llama expects adjacent-pair RoPE")
        }
        return try ModelWeights.load(file, config, biases: config.attentionBias, tiedOutput: config.tiedEmbeddings)
    }
}
