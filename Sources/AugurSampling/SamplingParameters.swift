/// How the next token is chosen from a model's logits.
///
/// The defaults give greedy decoding. The filters run in llama.cpp's default order (`common/common.h`,
/// `COMMON_SAMPLER_TYPE_*`: penalties → top-k → top-p → min-p → temperature); see `Sampler`.
///
/// ```swift
/// let p = SamplingParameters(temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, seed: 42)
/// try p.validate()
/// ```
public struct SamplingParameters: Sendable, Codable, Equatable {
    /// Softmax temperature; 0 means greedy (argmax, ties to the lowest id). Must be ≥ 0.
    public var temperature: Float
    /// Keep only the `topK` most likely tokens; 0 turns the filter off. Must be ≥ 0.
    public var topK: Int
    /// Nucleus sampling: keep the smallest set of most likely tokens whose probability sum reaches
    /// `topP` (Holtzman et al. 2019, "The Curious Case of Neural Text Degeneration"). In (0, 1]; 1 = off.
    public var topP: Float
    /// Keep tokens whose probability is at least `minP` times that of the most likely token. In [0, 1]; 0 = off.
    public var minP: Float
    /// Repetition penalty (CTRL, Keskar et al. 2019) on tokens seen in the last `repeatLastN` tokens:
    /// positive logits are divided by it, negative ones multiplied (llama.cpp's rule). > 0; 1 = off.
    public var repeatPenalty: Float
    /// How many recent tokens the repetition penalty looks at; 0 = none, -1 = the whole history.
    public var repeatLastN: Int
    /// Seed of the sampler's random generator (`Xoshiro256StarStar`); equal seeds give equal samples.
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                repeatPenalty: Float = 1, repeatLastN: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.seed = seed
    }

    /// Greedy decoding: always the most likely token.
    public static let greedy = SamplingParameters()

    /// Whether this is greedy decoding (temperature 0).
    public var isGreedy: Bool { temperature == 0 }

    /// Checks every field's range.
    ///
    /// - Throws: `SamplingError.invalidParameter` naming the field and its allowed range.
    public func validate() throws {
        func bad(_ name: String, _ value: String, _ rule: String) -> SamplingError {
            .invalidParameter(name: name, value: value, rule: rule)
        }
        guard temperature.isFinite, temperature >= 0 else { throw bad("temperature", "\(temperature)", "must be ≥ 0") }
        guard topK >= 0 else { throw bad("topK", "\(topK)", "must be ≥ 0 (0 = off)") }
        guard topP > 0, topP <= 1 else { throw bad("topP", "\(topP)", "must be in (0, 1]") }
        guard minP >= 0, minP <= 1 else { throw bad("minP", "\(minP)", "must be in [0, 1]") }
        guard repeatPenalty.isFinite, repeatPenalty > 0 else {
            throw bad("repeatPenalty", "\(repeatPenalty)", "must be > 0 (1 = off)")
        }
        guard repeatLastN >= -1 else { throw bad("repeatLastN", "\(repeatLastN)", "must be ≥ -1 (-1 = all, 0 = off)") }
    }

    private enum CodingKeys: String, CodingKey {
        case temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed
    }

    /// Decodes with every field optional (missing fields take their defaults), so request bodies
    /// can name only what they change.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SamplingParameters()
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? d.temperature
        topK = try c.decodeIfPresent(Int.self, forKey: .topK) ?? d.topK
        topP = try c.decodeIfPresent(Float.self, forKey: .topP) ?? d.topP
        minP = try c.decodeIfPresent(Float.self, forKey: .minP) ?? d.minP
        repeatPenalty = try c.decodeIfPresent(Float.self, forKey: .repeatPenalty) ?? d.repeatPenalty
        repeatLastN = try c.decodeIfPresent(Int.self, forKey: .repeatLastN) ?? d.repeatLastN
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    }
}

/// Errors from sampling. Parameters come from users (CLI, requests), so they are checked, not trapped.
public enum SamplingError: Error, CustomStringConvertible, Equatable {
    /// A parameter is out of range.
    case invalidParameter(name: String, value: String, rule: String)
    /// Every logit is -∞ or NaN (e.g. a grammar masked the whole vocabulary): nothing can be sampled.
    case noViableToken
    /// A logit vector's length differs from the vocabulary size the sampler was built for.
    case vocabularyMismatch(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let value, let rule): return "invalid sampling parameter \(name) = \(value): \(rule)"
        case .noViableToken: return "no token can be sampled: every logit is -infinity or NaN"
        case .vocabularyMismatch(let e, let a): return "logits have \(a) entries, expected the vocabulary size \(e)"
        }
    }
}
