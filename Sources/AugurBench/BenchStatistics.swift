import AugurEngine
import Foundation

/// The median of `xs` (mean of the two middle values for an even count); nil when empty.
public func benchMedian(_ xs: [Double]) -> Double? {
    guard !xs.isEmpty else { return nil }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The arithmetic mean of `xs`; nil when empty.
public func benchMean(_ xs: [Double]) -> Double? {
    xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
}

/// `a / b`, nil when `b` is not positive.
public func benchRatio(_ a: Double, _ b: Double) -> Double? {
    b > 0 ? a / b : nil
}

/// The first index where `a` and `b` differ (the shorter length when one is a prefix of the
/// other); nil when they are equal.
public func firstDifference(_ a: [Int32], _ b: [Int32]) -> Int? {
    let n = min(a.count, b.count)
    for i in 0..<n where a[i] != b[i] { return i }
    return a.count == b.count ? nil : n
}

/// One method (AR or a drafter) on one prompt: every timed run and their medians.
///
/// Tok/s are medians over the runs; the speculation metrics are summed over the runs (so α, the
/// per-position rates and τ weigh every round equally); speedups are ratios of medians,
/// this method's over AR's on the same prompt (`PromptComparison` fills them in).
public struct MethodMeasurement: Sendable, Codable, Equatable {
    /// `ar` or the drafter's name (`ngram`, a model name or path).
    public var method: String
    /// Tokens generated in the first run (greedy runs all generate the same).
    public var generatedTokens: Int
    /// Medians over the runs, tokens per second.
    public var prefillTokensPerSecond: Double
    public var decodeTokensPerSecond: Double
    public var endToEndTokensPerSecond: Double
    /// The runs' speculation metrics summed (nil for AR or a method that never speculated).
    public var speculation: SpeculationMetrics?
    /// α = accepted / drafted over all runs.
    public var acceptanceRate: Double?
    /// Conditional acceptance per draft position over all runs.
    public var perPositionAcceptance: [Double?]
    /// τ = emitted tokens / target passes over all runs.
    public var meanAcceptedLength: Double?
    /// Median decode tok/s over AR's median decode tok/s on the same prompt (nil for AR).
    public var decodeSpeedup: Double?
    /// The same for end-to-end tok/s (prefill included).
    public var endToEndSpeedup: Double?
    /// Whether the first run's tokens equal AR's first run's (nil for AR).
    public var sameTokensAsAR: Bool?
    public var runs: [GenerationStats]

    /// Medians and summed metrics of `runs` (not empty).
    public init(method: String, runs: [GenerationStats]) {
        self.method = method
        self.runs = runs
        generatedTokens = runs.first?.generatedTokens ?? 0
        prefillTokensPerSecond = benchMedian(runs.map(\.prefillTokensPerSecond)) ?? 0
        decodeTokensPerSecond = benchMedian(runs.map(\.decodeTokensPerSecond)) ?? 0
        endToEndTokensPerSecond = benchMedian(runs.map(\.endToEndTokensPerSecond)) ?? 0
        let metrics = runs.compactMap(\.speculation)
        speculation = metrics.isEmpty ? nil : metrics.dropFirst().reduce(metrics[0]) { $0.merged(with: $1) }
        acceptanceRate = speculation?.acceptanceRate
        perPositionAcceptance = speculation?.perPositionAcceptance ?? []
        meanAcceptedLength = speculation?.meanAcceptedLength
    }
}

/// Every method on one prompt; the first method is the AR baseline.
public struct PromptComparison: Sendable, Codable, Equatable {
    public var id: String
    public var category: String
    public var promptTokens: Int
    /// AR first, then the drafters, each with speedups against AR.
    public var methods: [MethodMeasurement]

    /// - Parameters:
    ///   - baseline: AR's runs and first-run tokens.
    ///   - others: each drafter's name, runs and first-run tokens.
    public init(id: String, category: String, baseline: (runs: [GenerationStats], tokens: [Int32]),
                others: [(method: String, runs: [GenerationStats], tokens: [Int32])]) {
        self.id = id
        self.category = category
        promptTokens = baseline.runs.first?.promptTokens ?? 0
        let ar = MethodMeasurement(method: "ar", runs: baseline.runs)
        methods = [ar] + others.map { o in
            var m = MethodMeasurement(method: o.method, runs: o.runs)
            m.decodeSpeedup = benchRatio(m.decodeTokensPerSecond, ar.decodeTokensPerSecond)
            m.endToEndSpeedup = benchRatio(m.endToEndTokensPerSecond, ar.endToEndTokensPerSecond)
            m.sameTokensAsAR = o.tokens == baseline.tokens
            return m
        }
    }
}

/// One method over a group of prompts (a category, or all of them).
///
/// Tok/s and speedups are means of the per-prompt medians and ratios (each prompt weighs the same);
/// α, per-position acceptance and τ come from the metrics summed over every run of the group.
public struct GroupMethodSummary: Sendable, Codable, Equatable {
    public var method: String
    public var decodeTokensPerSecond: Double
    public var endToEndTokensPerSecond: Double
    public var decodeSpeedup: Double?
    public var endToEndSpeedup: Double?
    /// The lowest per-prompt decode speedup (the "no prompt below 0.95x").
    public var minDecodeSpeedup: Double?
    public var acceptanceRate: Double?
    public var perPositionAcceptance: [Double?]
    public var meanAcceptedLength: Double?
    /// Prompts whose tokens differed from AR's (greedy runs must give 0).
    public var differingPrompts: Int

    /// Summary of method number `index` over `prompts` (all with the same methods in the same order).
    public init(index: Int, prompts: [PromptComparison]) {
        let ms = prompts.map { $0.methods[index] }
        method = ms.first?.method ?? ""
        decodeTokensPerSecond = benchMean(ms.map(\.decodeTokensPerSecond)) ?? 0
        endToEndTokensPerSecond = benchMean(ms.map(\.endToEndTokensPerSecond)) ?? 0
        decodeSpeedup = benchMean(ms.compactMap(\.decodeSpeedup))
        endToEndSpeedup = benchMean(ms.compactMap(\.endToEndSpeedup))
        minDecodeSpeedup = ms.compactMap(\.decodeSpeedup).min()
        let metrics = ms.compactMap(\.speculation)
        let sum = metrics.isEmpty ? nil : metrics.dropFirst().reduce(metrics[0]) { $0.merged(with: $1) }
        acceptanceRate = sum?.acceptanceRate
        perPositionAcceptance = sum?.perPositionAcceptance ?? []
        meanAcceptedLength = sum?.meanAcceptedLength
        differingPrompts = ms.filter { $0.sameTokensAsAR == false }.count
    }
}

/// Every method over a group of prompts.
public struct GroupSummary: Sendable, Codable, Equatable {
    /// The category, or `overall`.
    public var name: String
    public var prompts: Int
    public var methods: [GroupMethodSummary]

    public init(name: String, prompts: [PromptComparison]) {
        self.name = name
        self.prompts = prompts.count
        let n = prompts.first?.methods.count ?? 0
        methods = (0..<n).map { GroupMethodSummary(index: $0, prompts: prompts) }
    }
}
