import Foundation

/// Why a generation ended.
public enum FinishReason: String, Sendable, Codable, Equatable {
    /// An end-of-generation token was sampled or a stop string appeared in the text.
    case stop
    /// The token budget (`maxTokens`) ran out or the context (KV cache) is full.
    case length
    /// The caller asked to stop (a closed stream, a disconnected client).
    case cancelled
}

/// Counters and timings of one generation: the value the CLI, `augur bench` and the server share.
///
/// Conventions (the same as llama.cpp's timings, so numbers compare with the peer):
/// - `promptTokens` is the whole prompt; `reusedPromptTokens` of them were already in the KV cache
///   (chat prefix reuse) and only `prefillTokens = promptTokens - reusedPromptTokens` were run.
/// - `generatedTokens` counts sampled tokens, excluding a final end-of-generation token.
/// - Prefill time covers the prompt forward; the first generated token is sampled from its logits.
///   Decode time covers everything after it, and `decodeTokens` the tokens sampled there
///   (each cost one forward; an end-of-generation token included). Decode tok/s is their ratio.
/// - End-to-end tok/s is `generatedTokens` over prefill + decode seconds.
public struct GenerationStats: Sendable, Codable, Equatable {
    public var promptTokens: Int
    public var reusedPromptTokens: Int
    public var generatedTokens: Int
    /// Tokens sampled after the first one (one decode forward each for plain decoding).
    public var decodeTokens: Int
    /// Wall-clock seconds of the prompt forward (and tokenisation-free: the prompt is already ids).
    public var prefillSeconds: Double
    /// Wall-clock seconds after prefill until generation ended.
    public var decodeSeconds: Double
    public var finishReason: FinishReason
    /// Drafting and verification statistics when the generation decoded speculatively (the prefill
    /// counted as one pass and one token); nil for plain decoding.
    public var speculation: SpeculationMetrics?

    public init(promptTokens: Int = 0, reusedPromptTokens: Int = 0, generatedTokens: Int = 0, decodeTokens: Int = 0,
                prefillSeconds: Double = 0, decodeSeconds: Double = 0, finishReason: FinishReason = .stop) {
        self.promptTokens = promptTokens
        self.reusedPromptTokens = reusedPromptTokens
        self.generatedTokens = generatedTokens
        self.decodeTokens = decodeTokens
        self.prefillSeconds = prefillSeconds
        self.decodeSeconds = decodeSeconds
        self.finishReason = finishReason
    }

    /// Prompt tokens that were actually run through the model.
    public var prefillTokens: Int { promptTokens - reusedPromptTokens }

    /// Prefill throughput, tokens per second (0 when nothing was prefilled).
    public var prefillTokensPerSecond: Double { Self.rate(prefillTokens, prefillSeconds) }

    /// Decode throughput, tokens per second (0 when no decode step ran).
    public var decodeTokensPerSecond: Double { Self.rate(decodeTokens, decodeSeconds) }

    /// Generated tokens per second of total wall time (prefill + decode).
    public var endToEndTokensPerSecond: Double { Self.rate(generatedTokens, prefillSeconds + decodeSeconds) }

    /// One line for logs and the CLI's standard error, e.g.
    /// `prompt 31 tokens (0 reused), prefill 88.1 tok/s | generated 64 tokens, decode 14.2 tok/s | finish: stop`.
    public var summary: String {
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        return "prompt \(promptTokens) tokens (\(reusedPromptTokens) reused), prefill \(f(prefillTokensPerSecond)) tok/s"
            + " | generated \(generatedTokens) tokens, decode \(f(decodeTokensPerSecond)) tok/s"
            + " | end-to-end \(f(endToEndTokensPerSecond)) tok/s | finish: \(finishReason.rawValue)"
    }

    private static func rate(_ n: Int, _ seconds: Double) -> Double {
        n > 0 && seconds > 0 ? Double(n) / seconds : 0
    }
}
