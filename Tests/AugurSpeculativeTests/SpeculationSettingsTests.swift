import AugurEngine
import AugurModels
import AugurSampling
import AugurSpeculative
import XCTest

final class SpeculationSettingsTests: XCTestCase {
    private let greedy = SamplingParameters()

    /// Greedy generation of `maxTokens` tokens on `model` (128-position cache) with `step` (nil: plain decoding).
    private func greedyRun(_ prompt: [Int32], maxTokens: Int, model: PrefixFakeModel = PrefixFakeModel(),
                           step: (any DecodeStep)? = nil) throws -> GenerationResult {
        try Generator(model: model, codec: IdCodec(), step: step)
            .generate(prompt: prompt, cache: model.makeCache(capacity: 128),
                      parameters: GenerationParameters(maxTokens: maxTokens, sampling: greedy))
    }

    func testNoneAndZeroDraftLengthArePlainDecoding() throws {
        let target = PrefixFakeModel()
        XCTAssertNil(try SpeculationSettings().makeStep(target: target, draft: .none, sampling: greedy, contextSize: 64))
        var s = SpeculationSettings()
        s.draftMax = 0
        s.draftMin = 0
        XCTAssertNil(try s.makeStep(target: target, draft: .ngram, sampling: greedy, contextSize: 64))
        XCTAssertNotNil(try SpeculationSettings().makeStep(target: target, draft: .ngram, sampling: greedy, contextSize: 64))
    }

    func testGreedyVerifierWithTemperatureIsRefused() {
        var s = SpeculationSettings()
        s.verifier = .greedy
        XCTAssertThrowsError(try s.makeStep(target: PrefixFakeModel(), draft: .ngram,
                                            sampling: SamplingParameters(temperature: 0.7), contextSize: 64)) {
            XCTAssertEqual($0 as? VerificationError, .greedyWithTemperature(0.7))
        }
    }

    func testRangesAreValidatedWithTheFlagName() {
        for (edit, flag) in [({ (s: inout SpeculationSettings) in s.draftMax = -1 }, "--draft-max"),
                             ({ $0.draftMin = 9 }, "--draft-min"),
                             ({ $0.draftPMin = 1.5 }, "--draft-p-min"),
                             ({ $0.ngramMin = 4 }, "--ngram-min"),
                             ({ $0.draftContext = 1 }, "--draft-ctx")] {
            var s = SpeculationSettings()
            edit(&s)
            XCTAssertThrowsError(try s.validate()) { XCTAssertTrue("\($0)".contains(flag), "\($0)") }
        }
    }

    func testPolicyKindBuildsThePolicy() {
        var s = SpeculationSettings()
        s.draftMax = 6
        s.policy = .fixed
        XCTAssertEqual((s.makePolicy() as? FixedDraftLength)?.length, 6)
        s.policy = .adaptive
        XCTAssertEqual((s.makePolicy() as? AdaptiveDraftLength)?.maximum, 6)
    }

    /// The default (adaptive) step with a draft model: the draft's prompt prefill is deferred to its
    /// first draft, the policy starts from the draft-model acceptance prior, and the output is plain
    /// greedy decoding's; the fixed policy prefills at begin.
    func testAdaptiveDraftModelStepDefersThePromptAndKeepsTheOutput() throws {
        let prompt: [Int32] = [3, 1, 4, 1, 5, 9, 2, 6]
        let plain = try greedyRun(prompt, maxTokens: 40)
        var s = SpeculationSettings()
        s.draftMax = 4
        let target = PrefixFakeModel(), draft = PrefixFakeModel()
        let step = try XCTUnwrap(s.makeStep(target: target, draft: .model(draft), sampling: greedy, contextSize: 128))
        let drafter = try XCTUnwrap(step.drafter as? DraftModelDrafter)
        XCTAssertTrue(drafter.defersPrefill)
        XCTAssertEqual((step.policy as? AdaptiveDraftLength)?.acceptancePrior, AdaptiveDraftLength.draftModelAcceptancePrior)
        try step.beginGeneration(prompt: prompt, reusedPrefix: 0)
        XCTAssertEqual(drafter.cache.count, 0, "no draft prefill at begin")
        XCTAssertNotNil((step.policy as? AdaptiveDraftLength)?.draftSecondsPerForward, "d measured at the first begin")
        XCTAssertEqual(try greedyRun(prompt, maxTokens: 40, model: target, step: step).tokens, plain.tokens)
        s.policy = .fixed
        let fixed = try XCTUnwrap(s.makeStep(target: target, draft: .model(draft), sampling: greedy, contextSize: 128))
        XCTAssertFalse(try XCTUnwrap(fixed.drafter as? DraftModelDrafter).defersPrefill)
    }

    /// A draft model whose cache is far smaller than the target's: drafting stops near its limit and
    /// decoding goes on plainly, with the target's own output (ik_llama.cpp #732 is the failure
    /// this guards against).
    func testDraftContextSmallerThanTargetsStopsDraftingNearTheLimit() throws {
        let prompt: [Int32] = [3, 1, 4, 1, 5, 9, 2, 6]
        let plain = try greedyRun(prompt, maxTokens: 60)

        var s = SpeculationSettings()
        s.policy = .fixed
        s.draftMax = 4
        s.draftContext = 24
        s.draftPMin = 0  // the fake's top probabilities are low
        let target = PrefixFakeModel(), draft = PrefixFakeModel()
        let step = try XCTUnwrap(s.makeStep(target: target, draft: .model(draft), sampling: greedy, contextSize: 128))
        let spec = try greedyRun(prompt, maxTokens: 60, model: target, step: step)
        XCTAssertEqual(spec.tokens, plain.tokens)
        XCTAssertEqual(spec.stats.finishReason, .length)
        let m = try XCTUnwrap(spec.stats.speculation)
        XCTAssertGreaterThan(m.accepted, 0, "drafting happened while the draft cache had room")
        // Past 24 positions the draft proposes nothing: at most (24 − 8) tokens could be drafted.
        XCTAssertLessThanOrEqual(m.drafted, 24 - prompt.count + 4)
        XCTAssertLessThanOrEqual(draft.tokensProcessed, 24 + 8)
        // Every generated token counted once, the prefill as one pass.
        XCTAssertEqual(m.emittedTokens, 60)
        XCTAssertEqual(m.targetForwardPasses, m.rounds + 1)
    }
}
