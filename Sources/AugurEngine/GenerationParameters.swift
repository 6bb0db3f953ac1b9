import AugurSampling

/// What to generate: budget, stop strings and sampling.
public struct GenerationParameters: Sendable, Codable, Equatable {
    /// Most tokens to generate (an end-of-generation token is not counted). Must be ≥ 1.
    public var maxTokens: Int
    /// Generation stops when the text contains any of these; the stop string and everything after it
    /// is never emitted. Empty strings are ignored.
    public var stopStrings: [String]
    /// Temperature, truncation filters, repetition penalty and seed (`SamplingParameters.greedy` by default).
    public var sampling: SamplingParameters
    /// Keep going past end-of-generation tokens (benchmarks that need exactly `maxTokens` tokens).
    public var ignoreEndOfGeneration: Bool

    public init(maxTokens: Int = 512, stopStrings: [String] = [], sampling: SamplingParameters = .greedy,
                ignoreEndOfGeneration: Bool = false) {
        self.maxTokens = maxTokens
        self.stopStrings = stopStrings
        self.sampling = sampling
        self.ignoreEndOfGeneration = ignoreEndOfGeneration
    }

    private enum CodingKeys: String, CodingKey {
        case maxTokens, stopStrings, sampling, ignoreEndOfGeneration
    }

    /// Decodes with every field optional (missing fields take their defaults), so request bodies
    /// can name only what they change.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GenerationParameters()
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? d.maxTokens
        stopStrings = try c.decodeIfPresent([String].self, forKey: .stopStrings) ?? d.stopStrings
        sampling = try c.decodeIfPresent(SamplingParameters.self, forKey: .sampling) ?? d.sampling
        ignoreEndOfGeneration = try c.decodeIfPresent(Bool.self, forKey: .ignoreEndOfGeneration) ?? d.ignoreEndOfGeneration
    }

    /// Checks ranges.
    /// - Throws: `GenerationError.invalidParameter`, `SamplingError.invalidParameter`.
    public func validate() throws {
        guard maxTokens >= 1 else { throw GenerationError.invalidParameter("max tokens must be ≥ 1, got \(maxTokens)") }
        try sampling.validate()
    }
}

/// Errors of a generation request (its input comes from users).
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    /// The prompt has `promptTokens` tokens but the context holds only `contextSize`.
    case promptTooLong(promptTokens: Int, contextSize: Int)
    /// The prompt has no tokens.
    case emptyPrompt
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .promptTooLong(let n, let c):
            return "the prompt has \(n) tokens but the context holds \(c); shorten the prompt or raise --ctx"
        case .emptyPrompt: return "the prompt is empty"
        case .invalidParameter(let m): return "invalid generation parameter: \(m)"
        }
    }
}
