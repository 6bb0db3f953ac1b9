import AugurEngine
import AugurModels
import AugurSampling
import AugurSpeculative
import Dispatch
import XCTest

/// A toy `LanguageModel` over a tiny vocabulary whose logits are a pure function of the whole prefix
/// (so of the position too). It remembers the tokens behind each cache's positions, so a
/// `KVCache.truncate(to:)` behaves as with a real model: only what the cache still holds is seen.
final class ToyLanguageModel: LanguageModel {
    let config: ModelConfig
    let logitsAfter: ([Int32]) -> [Float]
    private var sequences: [ObjectIdentifier: [Int32]] = [:]

    init(vocab: Int, logitsAfter: @escaping ([Int32]) -> [Float]) {
        config = ModelConfig(architecture: "toy", vocabSize: vocab, embeddingLength: 4, layerCount: 1,
                             headCount: 1, kvHeadCount: 1, headDim: 4, feedForwardLength: 4, ropeBase: 10000,
                             ropeLayout: .halfSplit, rmsNormEps: 1e-6, contextLength: 4096, attentionBias: false,
                             tiedEmbeddings: true)
        self.logitsAfter = logitsAfter
    }

    func makeCache(capacity: Int) -> KVCache { KVCache(capacity: capacity) }

    func forward(_ tokens: [Int32], cache: KVCache, rows: LogitRows) throws -> Logits {
        guard !tokens.isEmpty else { throw ModelError.emptyBatch }
        try cache.checkRoom(for: tokens.count)
        var seq = Array(sequences[ObjectIdentifier(cache), default: []].prefix(cache.count))
        let first = seq.count
        seq += tokens
        sequences[ObjectIdentifier(cache)] = seq
        try cache.advance(by: tokens.count)
        let positions: [Int]
        switch rows {
        case .all: positions = Array(first..<seq.count)
        case .last: positions = [seq.count - 1]
        case .none: positions = []
        }
        let v = config.vocabSize
        return Logits(rowCount: positions.count, vocabSize: v,
                      values: positions.flatMap { logitsAfter(Array(seq[...$0])) })
    }
}

/// Renders nothing; nothing ends a generation.
private struct SilentCodec: TextCodec {
    struct Stream: TextStream {
        mutating func push(_ token: Int32) -> String { "" }
        mutating func finish() -> String { "" }
    }
    func encode(_ text: String, parseSpecial: Bool) throws -> [Int32] { [] }
    func makeTextStream() -> any TextStream { Stream() }
    func isEndOfGeneration(_ token: Int32) -> Bool { false }
    var promptPrefixToken: Int32? { nil }
}

/// Pearson's test on outcome cells whose exact probabilities are known, with rare cells pooled so that
/// every expected count is at least 5 (the usual validity rule for the chi-square approximation).
enum BinnedChiSquare {
    struct Outcome {
        let result: ChiSquare.Result
        /// Cells after pooling (each expected count ≥ 5).
        let cells: Int
        /// Samples that fell on outcomes of probability 0: any is a failure by itself.
        let impossible: Int
    }

    /// - Parameters:
    ///   - observed: counts per outcome.
    ///   - expected: exact probability of each outcome with p > 0 (summing to 1 up to rounding);
    ///     outcomes missing here have probability 0.
    static func test<Key: Hashable>(observed: [Key: Int], expected: [Key: Double], alpha: Double = 0.001) -> Outcome {
        let n = Double(observed.values.reduce(0, +))
        let impossible = observed.filter { expected[$0.key] == nil }.values.reduce(0, +)
        let ordered = expected.sorted { $0.value > $1.value }
        var obs: [Int] = [], probs: [Double] = []
        var pooledObserved = 0, pooledProbability = 0.0
        for (key, p) in ordered {
            if p * n >= 5 {
                obs.append(observed[key, default: 0]); probs.append(p)
            } else {
                pooledObserved += observed[key, default: 0]; pooledProbability += p
            }
        }
        if pooledProbability * n >= 5 || obs.isEmpty {
            obs.append(pooledObserved); probs.append(pooledProbability)
        } else if pooledProbability > 0 {
            // Too little mass to stand alone: merge into the smallest kept cell.
            obs[obs.count - 1] += pooledObserved; probs[probs.count - 1] += pooledProbability
        }
        let total = probs.reduce(0, +)
        let result = ChiSquare.test(observed: obs, expected: probs.map { $0 / total }, alpha: alpha)
        return Outcome(result: result, cells: obs.count, impossible: impossible)
    }
}

/// End-to-end losslessness of sampled speculative decoding (Leviathan et al. 2023, arXiv 2211.17192,
/// Theorem 3.5): `Generator` + `SpeculativeStep` + `DraftModelDrafter` (sampled drafting) on toy target
/// and draft models whose logits depend on position and prefix. The first k + 1 tokens the speculative
/// step emits (generated tokens 2 … k + 2: the first comes from the prefill's plain sampling) must follow
/// the target's processed distribution under the full sampler chain, jointly. Expected probabilities are
/// exact: the tree of the target's `Sampler.distribution`s is enumerated, marginalized over the
/// prefill's token.
final class JointLosslessnessTests: XCTestCase {
    static let vocab = 6
    static let prompt: [Int32] = [2, 5, 1]

    /// Rolling hash of the whole prefix.
    private static func hash(_ prefix: [Int32]) -> Int {
        var h = 17
        for t in prefix { h = (h &* 31 &+ Int(t) &+ 3) % 65_521 }
        return h
    }

    static func targetLogits(_ prefix: [Int32]) -> [Float] {
        let n = Float(prefix.count), last = Float(prefix.last ?? 0), h = hash(prefix)
        return (0..<vocab).map { j in
            1.8 * sin(1.3 * Float(j) + 0.8 * last + 0.45 * n) + 0.7 * Float((h >> (2 * j)) & 3) / 3
        }
    }

    static func draftLogits(_ prefix: [Int32]) -> [Float] {
        let n = Float(prefix.count), last = Float(prefix.last ?? 0), h = hash(prefix)
        return (0..<vocab).map { j in
            1.5 * cos(0.9 * Float(j) - 0.6 * last + 0.3 * n) + 0.5 * Float((h >> (j + 3)) & 1)
        }
    }

    /// Exact joint probabilities of generated tokens 2 … `length` + 1 (the first `length` tokens after
    /// the prefill's token), summed over the prefill's token: the tree of the target's processed
    /// distributions, with the repetition penalty seeing each node's full history.
    static func exactJoint(length: Int, sampling: SamplingParameters) throws -> [[Int32]: Double] {
        let sampler = try Sampler(parameters: sampling)
        var out: [[Int32]: Double] = [:]
        func walk(_ history: [Int32], _ probability: Double, _ depth: Int) throws {
            if depth == length + 1 {
                out[Array(history.suffix(length)), default: 0] += probability
                return
            }
            let p = try sampler.distribution(logits: targetLogits(history), history: history)
            for i in 0..<p.count where p.probabilities[i] > 0 {
                try walk(history + [p.id(at: i)], probability * Double(p.probabilities[i]), depth + 1)
            }
        }
        try walk(prompt, 1, 0)
        return out
    }

    /// Generates k + 2 tokens `samples` times (sampler seed = sample index) and counts the joint
    /// outcomes of tokens 2 … k + 2.
    /// `draft` nil: greedy drafting (one-hot q).
    static func observedJoint(k: Int, target: SamplingParameters, draft: SamplingParameters?,
                              verifier: any Verifier, samples: Int) throws -> (counts: [[Int32]: Int], metrics: SpeculationMetrics) {
        let targetModel = ToyLanguageModel(vocab: vocab, logitsAfter: targetLogits)
        let drafter = DraftModelDrafter(model: ToyLanguageModel(vocab: vocab, logitsAfter: draftLogits), capacity: 64,
                                        sampler: try draft.map { try Sampler(parameters: $0) })
        let step = SpeculativeStep(model: targetModel, drafter: drafter, verifier: verifier, draftLength: k)
        let generator = Generator(model: targetModel, codec: SilentCodec(), step: step)
        let cache = targetModel.makeCache(capacity: 64)
        var counts: [[Int32]: Int] = [:]
        var metrics = SpeculationMetrics()
        for seed in 0..<samples {
            var sampling = target
            sampling.seed = UInt64(seed) &* 0x9E37_79B9 &+ 11
            // k + 2 tokens: the prefill's, then a first round whose limit k + 1 leaves room for k drafts.
            let r = try generator.generate(prompt: prompt, cache: cache,
                                           parameters: GenerationParameters(maxTokens: k + 2, sampling: sampling))
            counts[Array(r.tokens.dropFirst()), default: 0] += 1
            metrics = metrics.merged(with: step.metrics)  // the step's metrics cover one generation
        }
        return (counts, metrics)
    }

    private func check(k: Int, target: SamplingParameters, draft: SamplingParameters?, verifier: any Verifier = SpeculativeSamplingVerifier(),
                       samples: Int, label: String) throws -> BinnedChiSquare.Outcome {
        let t0 = DispatchTime.now()
        let (counts, metrics) = try Self.observedJoint(k: k, target: target, draft: draft, verifier: verifier, samples: samples)
        let expected = try Self.exactJoint(length: k + 1, sampling: target)
        let o = BinnedChiSquare.test(observed: counts, expected: expected)
        let s = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
        print(String(format: "joint %@ k=%d %@: χ² = %.1f, df %d, critical %.1f (p = 0.001), %d outcomes → %d cells, "
                     + "%d impossible, α = %.3f, τ = %.2f, N = %d, %.2f s",
                     label, k, String(describing: type(of: verifier)), o.result.statistic, o.result.degreesOfFreedom,
                     o.result.critical, expected.count, o.cells, o.impossible, metrics.acceptanceRate ?? 0,
                     metrics.meanAcceptedLength ?? 0, samples, s))
        XCTAssertGreaterThan(o.cells, 10, "too few cells for a meaningful test")
        // The draft must really differ from the target, or the test proves nothing.
        XCTAssertLessThan(metrics.acceptanceRate ?? 1, 0.9)
        XCTAssertGreaterThan(metrics.accepted, 0)
        return o
    }

    static let samples = 12_000

    /// Temperature only (dense p and q).
    func testJointDistributionWithTemperature() throws {
        let target = SamplingParameters(temperature: 0.8)
        let draft = SamplingParameters(temperature: 1.0)
        for k in [1, 2, 4] {
            let o = try check(k: k, target: target, draft: draft, samples: Self.samples, label: "T0.8")
            XCTAssertEqual(o.impossible, 0)
            XCTAssertFalse(o.result.rejects, "k = \(k): χ² = \(o.result.statistic) > \(o.result.critical)")
        }
    }

    /// Temperature + top-p on the target, a differently truncated draft (q has support where p is 0).
    func testJointDistributionWithTopP() throws {
        let target = SamplingParameters(temperature: 0.8, topP: 0.9)
        let draft = SamplingParameters(temperature: 1.0, topP: 0.95)
        for k in [1, 2, 4] {
            let o = try check(k: k, target: target, draft: draft, samples: Self.samples, label: "T0.8 top-p 0.9")
            XCTAssertEqual(o.impossible, 0)
            XCTAssertFalse(o.result.rejects, "k = \(k): χ² = \(o.result.statistic) > \(o.result.critical)")
        }
    }

    /// Repetition penalty (over a history that includes the draft prefix), top-k and min-p.
    func testJointDistributionWithPenaltyTopKAndMinP() throws {
        let target = SamplingParameters(temperature: 1.1, topK: 4, minP: 0.08, repeatPenalty: 1.6, repeatLastN: 6)
        let draft = SamplingParameters(temperature: 0.9, topK: 3)
        for k in [1, 2, 4] {
            let o = try check(k: k, target: target, draft: draft, samples: Self.samples, label: "penalty top-k min-p")
            XCTAssertEqual(o.impossible, 0)
            XCTAssertFalse(o.result.rejects, "k = \(k): χ² = \(o.result.statistic) > \(o.result.critical)")
        }
    }

    /// Greedy drafting at T > 0: q is one-hot, accepted with probability p(x), residual p without x.
    func testJointDistributionWithGreedyDraft() throws {
        let target = SamplingParameters(temperature: 0.8, topP: 0.9)
        for k in [2, 4] {
            let o = try check(k: k, target: target, draft: nil, samples: Self.samples, label: "T0.8 top-p 0.9, greedy draft")
            XCTAssertEqual(o.impossible, 0)
            XCTAssertFalse(o.result.rejects, "k = \(k): χ² = \(o.result.statistic) > \(o.result.critical)")
        }
    }

    /// Test of the test: the same harness must reject a verifier that, on rejection, samples from p
    /// instead of norm(max(0, p − q)) (`ResampleFromTargetVerifier`).
    func testHarnessRejectsResidualFromTarget() throws {
        let target = SamplingParameters(temperature: 0.8, topP: 0.9)
        let draft = SamplingParameters(temperature: 1.0, topP: 0.95)
        for k in [1, 2, 4] {
            let o = try check(k: k, target: target, draft: draft, verifier: ResampleFromTargetVerifier(),
                              samples: Self.samples, label: "T0.8 top-p 0.9")
            XCTAssertTrue(o.result.rejects, "k = \(k): biased residual went unnoticed (χ² = \(o.result.statistic))")
        }
    }
}
