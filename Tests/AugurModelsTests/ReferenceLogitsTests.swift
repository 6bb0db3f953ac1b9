import AugurModels
import AugurTestSupport
import XCTest

/// Logits against llama.cpp (llama-cpp-python) on the real models.
///
/// Tolerances. llama.cpp and Augur both multiply quantized weights by activations quantized to
/// 8-bit blocks, but block choice, rounding, f16 Q·Kᵀ and summation order differ, and the
/// differences grow through the layers. Measured (fused C kernels, Nov 2026): max |Δ| over the
/// top-32 logits SmolLM2 1.31 (mean 0.19), Qwen 0.5B 0.41 (mean 0.07), Qwen 1.5B 0.51
/// (mean 0.09). SmolLM2 is the most sensitive: an independent numpy forward in fp32 over the
/// same dequantized weights differs from llama.cpp by as much (max 1.18, mean 0.19) while agreeing
/// with Augur's fp32 path to 0.017 — the spread is llama.cpp's activation rounding, not a bug.
/// The limits below add headroom to those measurements; a real bug (wrong RoPE pairing, a missing
/// bias, a wrong norm) moves the mean by whole logits.
final class ReferenceLogitsTests: XCTestCase {
    /// Bounds on |ours − reference| per logit: the largest allowed, and the allowed mean.
    struct Tolerance { let max: Float; let mean: Float }

    static let tolerance: [String: Tolerance] = [
        TestModels.smol: Tolerance(max: 2.0, mean: 0.4),
        TestModels.qwenDraft: Tolerance(max: 1.0, mean: 0.2),
        TestModels.qwenTarget: Tolerance(max: 1.0, mean: 0.2),
    ]

    func testSmolLM2BatchLogits() throws { try checkBatchLogits(TestModels.smol) }
    func testQwen05BBatchLogits() throws { try checkBatchLogits(TestModels.qwenDraft) }
    func testQwen15BBatchLogits() throws { try checkBatchLogits(TestModels.qwenTarget) }

    func testSmolLM2GreedyDecode() throws { try checkGreedyDecode(TestModels.smol) }
    func testQwen05BGreedyDecode() throws { try checkGreedyDecode(TestModels.qwenDraft) }
    func testQwen15BGreedyDecode() throws { try checkGreedyDecode(TestModels.qwenTarget) }

    /// Prompt + continuation as one batch: top-K logits at every position and the sampled tail at
    /// the last prompt position.
    func checkBatchLogits(_ name: String) throws {
        let model = try loadModel(path: TestModels.path(name))
        let fixture = try LogitFixture.load(name)
        let tol = Self.tolerance[name]!
        XCTAssertEqual(model.config.vocabSize, fixture.vocabSize)
        var worstTop: Float = 0, worstTail: Float = 0, sumTop: Double = 0, countTop = 0
        for c in fixture.cases {
            let seq = c.sequence
            let logits = try model.forward(seq, cache: model.makeCache(capacity: 128), rows: .all)
            XCTAssertEqual(logits.rowCount, seq.count)
            let ids = c.topIdValues, ref = c.topLogitValues
            for p in 0..<seq.count {
                let row = logits.row(p)
                for j in 0..<fixture.topK {
                    let k = p * fixture.topK + j
                    let diff = abs(row[row.startIndex + Int(ids[k])] - ref[k])
                    worstTop = max(worstTop, diff)
                    sumTop += Double(diff)
                    countTop += 1
                }
            }
            let last = logits.row(c.tokens.count - 1)
            for (j, r) in c.sampledLogitValues.enumerated() {
                worstTail = max(worstTail, abs(last[last.startIndex + j * fixture.sampleStride] - r))
            }
        }
        let meanTop = Float(sumTop / Double(countTop))
        print("\(name): batch logits |Δ| top-\(fixture.topK) max \(worstTop) mean \(meanTop), sampled tail max \(worstTail) (tolerance \(tol))")
        XCTAssertLessThan(worstTop, tol.max)
        XCTAssertLessThan(worstTail, tol.max)
        XCTAssertLessThan(meanTop, tol.mean)
    }

    /// Token-by-token greedy decoding. The continuation must equal the reference up to the first
    /// step whose reference top-2 gap is below the tolerance (a near tie may legitimately flip);
    /// from there on the reference token is fed (teacher forcing), the logits are compared, and
    /// every later step whose gap exceeds the tolerance must still pick the reference token.
    func checkGreedyDecode(_ name: String) throws {
        let model = try loadModel(path: TestModels.path(name))
        let fixture = try LogitFixture.load(name)
        let tol = Self.tolerance[name]!
        var worst: Float = 0, freeSteps = 0, forcedSteps = 0
        for c in fixture.cases {
            let cache = model.makeCache(capacity: 128)
            var logits = try model.forward(c.tokens, cache: cache, rows: .last)
            var free = true
            let ids = c.topIdValues, ref = c.topLogitValues
            for (s, want) in c.continuation.enumerated() {
                let row = logits.row(0)
                if c.gaps[s] < tol.max { free = false }
                if c.gaps[s] >= tol.max {
                    XCTAssertEqual(Int32(argmax(row)), want, "\(name) '\(c.prompt)' step \(s)")
                    if free { freeSteps += 1 } else { forcedSteps += 1 }
                }
                let p = c.tokens.count - 1 + s
                for j in 0..<fixture.topK {
                    let k = p * fixture.topK + j
                    worst = max(worst, abs(row[row.startIndex + Int(ids[k])] - ref[k]))
                }
                if s + 1 < c.continuation.count {
                    logits = try model.forward([want], cache: cache, rows: .last)
                }
            }
        }
        print("\(name): decode logits max |Δ| \(worst); greedy tokens checked \(freeSteps) free-running + \(forcedSteps) teacher-forced")
        XCTAssertLessThan(worst, tol.max)
        XCTAssertGreaterThan(freeSteps + forcedSteps, 10)
    }
}
