import AugurEngine
import AugurModels
import AugurSampling
import AugurSpeculative
import AugurTestSupport
import Dispatch
import XCTest

/// Forwards to a `DraftModelDrafter` but ignores `begin(prompt:)`, so the draft cache keeps the prompt
/// between samples that all start from the same prompt. Relies on the documented re-sync of
/// `draft(context:)`: it keeps the longest cached prefix of the context and rolls back the rest.
private final class PromptKeepingDrafter: Drafter {
    let inner: DraftModelDrafter
    init(_ inner: DraftModelDrafter) { self.inner = inner }
    func begin(prompt: [Int32]) throws {}
    func draft(context: [Int32], maxTokens: Int) throws -> Draft { try inner.draft(context: context, maxTokens: maxTokens) }
    func accept(committed: [Int32]) throws { try inner.accept(committed: committed) }
}

/// Losslessness on a real model with a real but mismatched q: SmolLM2-135M is the target (T = 1.0,
/// top-p 0.95) and drafts for itself at T = 0.7, through `SpeculativeStep` with k = 2. The first two
/// emitted tokens are binned (first token in the target's top 8, each its own bin, split by the second
/// token in the top 8 of p(· | a) or "other"; plus "first token outside the top 8") and compared with
/// the exact probabilities from the target's processed distributions after the prompt and after
/// prompt + a (9 forwards), by Pearson's chi-square at p = 0.001.
final class SmolLosslessnessTests: XCTestCase {
    /// The `n` most likely ids of `p` (ties to the lower id).
    private func top(_ n: Int, of p: TokenDistribution) -> [Int32] {
        let order = (0..<p.count).sorted {
            p.probabilities[$0] != p.probabilities[$1] ? p.probabilities[$0] > p.probabilities[$1] : p.id(at: $0) < p.id(at: $1)
        }
        return order.prefix(n).map { p.id(at: $0) }
    }

    /// Probability mass of `p` outside `ids` (summed over the support, so exactly 0 when `ids` covers it).
    private func mass(of p: TokenDistribution, outside ids: [Int32]) -> Double {
        (0..<p.count).reduce(0.0) { ids.contains(p.id(at: $1)) ? $0 : $0 + Double(p.probabilities[$1]) }
    }

    func testFirstTwoTokensFollowTargetDistribution() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.smol))
        let model = loaded.model
        let prompt = try loaded.promptTokens("My favourite thing to do on a rainy afternoon is", system: nil, raw: true)
        let targetSampling = SamplingParameters(temperature: 1.0, topP: 0.95)
        let draftSampling = SamplingParameters(temperature: 0.7, seed: 2024)
        let k = 2, samples = 2000
        let capacity = prompt.count + 2 * (k + 1)

        // Exact expectation: p(a | prompt) and p(b | prompt, a) for a in the top 8.
        let t0 = DispatchTime.now()
        let probe = try Sampler(parameters: targetSampling)
        let exactCache = model.makeCache(capacity: prompt.count + 1)
        let p0 = try probe.distribution(logits: Array(model.forward(prompt, cache: exactCache, rows: .last).row(0)), history: prompt)
        let first = top(8, of: p0)
        var secondTop: [Int32: [Int32]] = [:]
        var expected: [[Int32]: Double] = [:]
        for a in first {
            exactCache.truncate(to: prompt.count)
            let p1 = try probe.distribution(logits: Array(model.forward([a], cache: exactCache, rows: .last).row(0)),
                                            history: prompt + [a])
            let pa = Double(p0.probability(of: a))
            let second = top(8, of: p1)
            secondTop[a] = second
            for b in second { expected[[a, b]] = pa * Double(p1.probability(of: b)) }
            let rest = mass(of: p1, outside: second)
            if rest > 0 { expected[[a, -1]] = pa * rest }
        }
        let outside = mass(of: p0, outside: first)
        if outside > 0 { expected[[-1]] = outside }
        let t1 = DispatchTime.now()

        // Samples: the target cache holds the prompt but its last token once; each sample truncates
        // back to it, the draft cache rolls back to the prompt by itself.
        let cache = model.makeCache(capacity: capacity)
        _ = try model.forward(Array(prompt.dropLast()), cache: cache, rows: .none)
        let drafter = DraftModelDrafter(model: model, capacity: capacity, sampler: try Sampler(parameters: draftSampling))
        let step = SpeculativeStep(model: model, drafter: PromptKeepingDrafter(drafter), verifier: SpeculativeSamplingVerifier(),
                                   draftLength: k)
        var observed: [[Int32]: Int] = [:]
        var m = SpeculationMetrics()
        for i in 0..<samples {
            cache.truncate(to: prompt.count - 1)
            var sampling = targetSampling
            sampling.seed = UInt64(i) &+ 1_000
            let sampler = try Sampler(parameters: sampling)
            var sequence = prompt
            while sequence.count < prompt.count + 2 {
                let out = try step.advance(sequence: sequence, cache: cache, sampler: sampler, limit: k + 1)
                sequence += out
            }
            let a = sequence[prompt.count], b = sequence[prompt.count + 1]
            let key: [Int32] = first.contains(a) ? [a, secondTop[a]!.contains(b) ? b : -1] : [-1]
            observed[key, default: 0] += 1
            m = m.merged(with: step.metrics)  // the step's metrics cover one generation
        }
        let t2 = DispatchTime.now()

        let o = BinnedChiSquare.test(observed: observed, expected: expected)
        print(String(format: "SmolLM2 T1.0 top-p 0.95 vs draft T0.7, k=%d: χ² = %.1f, df %d, critical %.1f (p = 0.001), "
                     + "%d bins → %d cells, %d impossible, P(top-8 first) = %.3f, α = %.3f, τ = %.2f, rounds %d; "
                     + "exact %.2f s, %d samples %.1f s (%.1f ms each; draft %.1f s, target %.1f s, verify %.1f s)",
                     k, o.result.statistic, o.result.degreesOfFreedom, o.result.critical, expected.count, o.cells,
                     o.impossible, 1 - outside, m.acceptanceRate ?? 0, m.meanAcceptedLength ?? 0, m.rounds,
                     seconds(t0, t1), samples, seconds(t1, t2), seconds(t1, t2) * 1000 / Double(samples),
                     m.draftSeconds, m.targetSeconds, m.verifySeconds))
        XCTAssertEqual(o.impossible, 0)
        XCTAssertGreaterThan(o.cells, 8, "the prompt should spread the first two tokens over many bins")
        XCTAssertGreaterThan(m.accepted, 0)
        XCTAssertLessThan(m.acceptanceRate ?? 1, 0.98, "q at T = 0.7 should differ from p")
        XCTAssertFalse(o.result.rejects, "χ² = \(o.result.statistic) > \(o.result.critical)")
    }
}
