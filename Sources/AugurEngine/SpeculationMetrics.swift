import Foundation

/// Speculative-decoding statistics for one generation (or a sum of many): one value type shared by
/// the CLI, the benchmark and the server.
///
/// Definitions follow the field (see the shared algorithms notes):
/// - α, acceptance rate = accepted / drafted (llama.cpp's "accept");
/// - per-position conditional acceptance a_i = accepts_i / attempts_i, where an attempt at position i
///   (0-based) is counted only when positions 0..<i of that round were all accepted (vLLM's
///   per-position rates). Under a constant a the expected tokens per pass is (1 − a^{k+1}) / (1 − a)
///   (Leviathan et al. 2023, arXiv 2211.17192, eq. 1); α is not that a;
/// - τ, mean accepted length = emitted tokens / target forward passes, bonus tokens included
///   (Spec-Bench; EAGLE, arXiv 2401.15077). The prefill pass and the token it yields count as one
///   pass and one token (`recordPrefill`), so plain decoding gives exactly 1.0.
///
/// Example, k = 4 and rounds accepting 4, 2, 0 after a prefill: drafted 12, accepted 6, α = 0.5;
/// attempts per position [3, 2, 2, 1], accepts [2, 2, 1, 1]; emitted 1 + 5 + 3 + 1 = 10 over 4
/// passes, τ = 2.5.
public struct SpeculationMetrics: Sendable, Codable, Equatable {
    /// Draft tokens proposed to the verifier.
    public var drafted: Int = 0
    /// Draft tokens accepted.
    public var accepted: Int = 0
    /// Target forward passes: the prefill plus one per verification (or plain decode) step.
    public var targetForwardPasses: Int = 0
    /// Tokens emitted to the output (accepted + corrected/bonus tokens + the prefill's token).
    public var emittedTokens: Int = 0
    /// Verification rounds recorded with `record(drafted:accepted:emitted:)`.
    public var rounds: Int = 0
    /// attemptsPerPosition[i]: rounds in which draft position i was examined (all before it accepted).
    public var attemptsPerPosition: [Int] = []
    /// acceptsPerPosition[i]: rounds in which draft position i was accepted.
    public var acceptsPerPosition: [Int] = []
    /// Wall time of the prefill pass, seconds.
    public var prefillSeconds: Double = 0
    /// Wall time spent drafting, seconds.
    public var draftSeconds: Double = 0
    /// Wall time of the target's verification (decode) passes, seconds.
    public var targetSeconds: Double = 0
    /// Wall time of the accept/reject logic and sampling, seconds.
    public var verifySeconds: Double = 0

    public init() {}

    /// Records the prefill: one target pass that yields one token.
    public mutating func recordPrefill(seconds: Double = 0) {
        targetForwardPasses += 1
        emittedTokens += 1
        prefillSeconds += seconds
    }

    /// Records one verification round (one target forward pass): `drafted` tokens proposed,
    /// the first `accepted` of them accepted, `emitted` tokens appended to the output (normally
    /// `accepted + 1`; fewer when generation stopped inside the round). Plain decoding is
    /// `record(drafted: 0, accepted: 0, emitted: 1)`. `depth`: the deepest draft position (a token
    /// tree's depth; nil: `drafted`, a chain), which bounds the per-position counts.
    public mutating func record(drafted: Int, accepted: Int, emitted: Int, depth: Int? = nil) {
        precondition(drafted >= 0 && accepted >= 0 && accepted <= drafted, "accepted must be in 0...drafted")
        precondition(emitted >= 0 && emitted <= accepted + 1, "a round emits at most accepted + 1 tokens")
        self.drafted += drafted
        self.accepted += accepted
        emittedTokens += emitted
        targetForwardPasses += 1
        rounds += 1
        let positions = min(depth ?? drafted, drafted)
        precondition(accepted <= positions, "accepted must not exceed the draft depth")
        if attemptsPerPosition.count < positions {
            attemptsPerPosition += Array(repeating: 0, count: positions - attemptsPerPosition.count)
            acceptsPerPosition += Array(repeating: 0, count: positions - acceptsPerPosition.count)
        }
        for i in 0..<min(accepted + 1, positions) { attemptsPerPosition[i] += 1 }
        for i in 0..<accepted { acceptsPerPosition[i] += 1 }
    }

    /// α = accepted / drafted; nil before anything was drafted.
    public var acceptanceRate: Double? {
        drafted > 0 ? Double(accepted) / Double(drafted) : nil
    }

    /// a_i = acceptsPerPosition[i] / attemptsPerPosition[i]; nil where position i was never examined.
    public var perPositionAcceptance: [Double?] {
        zip(acceptsPerPosition, attemptsPerPosition).map { a, n in n > 0 ? Double(a) / Double(n) : nil }
    }

    /// τ = emittedTokens / targetForwardPasses; nil before any pass.
    public var meanAcceptedLength: Double? {
        targetForwardPasses > 0 ? Double(emittedTokens) / Double(targetForwardPasses) : nil
    }

    /// One line for the CLI's standard error, e.g. `speculation: drafted 120, accepted 84 (α 0.70),
    /// τ 2.58 over 50 target passes | per position 0.91 0.78 0.62 0.55 | seconds: prefill 0.41,
    /// draft 1.20, target 2.31, verify 0.02`.
    public var summary: String {
        func f(_ x: Double?, _ digits: Int = 2) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "-" }
        let positions = perPositionAcceptance.map { f($0) }.joined(separator: " ")
        return "speculation: drafted \(drafted), accepted \(accepted) (α \(f(acceptanceRate))), τ \(f(meanAcceptedLength))"
            + " over \(targetForwardPasses) target passes"
            + (positions.isEmpty ? "" : " | per position \(positions)")
            + " | seconds: prefill \(f(prefillSeconds)), draft \(f(draftSeconds)), target \(f(targetSeconds)), verify \(f(verifySeconds))"
    }

    /// Sum of two runs' statistics (counts, per-position counts and times add).
    public func merged(with other: SpeculationMetrics) -> SpeculationMetrics {
        var m = self
        m.drafted += other.drafted
        m.accepted += other.accepted
        m.targetForwardPasses += other.targetForwardPasses
        m.emittedTokens += other.emittedTokens
        m.rounds += other.rounds
        let n = max(attemptsPerPosition.count, other.attemptsPerPosition.count)
        func padded(_ a: [Int]) -> [Int] { a + Array(repeating: 0, count: n - a.count) }
        m.attemptsPerPosition = zip(padded(attemptsPerPosition), padded(other.attemptsPerPosition)).map(+)
        m.acceptsPerPosition = zip(padded(acceptsPerPosition), padded(other.acceptsPerPosition)).map(+)
        m.prefillSeconds += other.prefillSeconds
        m.draftSeconds += other.draftSeconds
        m.targetSeconds += other.targetSeconds
        m.verifySeconds += other.verifySeconds
        return m
    }

    /// Expected tokens per target pass for k draft tokens each accepted with conditional
    /// probability `a`: (1 − a^{k+1}) / (1 − a), and k + 1 at a = 1 (Leviathan et al. 2023, eq. 1).
    public static func expectedTokensPerPass(conditionalAcceptance a: Double, draftLength k: Int) -> Double {
        if a >= 1 { return Double(k + 1) }
        return (1 - pow(a, Double(k + 1))) / (1 - a)
    }
}
