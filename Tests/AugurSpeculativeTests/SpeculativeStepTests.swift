import AugurEngine
import AugurModels
import AugurSampling
import AugurSpeculative
import AugurTestSupport
import Dispatch
import XCTest

/// Renders every id as "<id> "; nothing ends a generation.
struct IdCodec: TextCodec {
    struct Stream: TextStream {
        mutating func push(_ token: Int32) -> String { "\(token) " }
        mutating func finish() -> String { "" }
    }
    func encode(_ text: String, parseSpecial: Bool) throws -> [Int32] { [] }
    func makeTextStream() -> any TextStream { Stream() }
    func isEndOfGeneration(_ token: Int32) -> Bool { false }
    var promptPrefixToken: Int32? { nil }
}

/// Proposes the fake target's true greedy continuation, but with a varying length, and corrupts one
/// position in some rounds and proposes nothing in others (deterministic pattern by round).
private final class SometimesWrongDrafter: Drafter {
    let sampling: SamplingParameters
    private(set) var rounds = 0
    private(set) var proposed = 0
    private(set) var begins = 0
    private(set) var lastCommitted: [Int32] = []

    /// Mirrors a `SuppressTokensProcessor`: bans `tokens` while fewer than `until` tokens follow the prompt.
    var suppress: (tokens: Range<Int32>, until: Int, promptCount: Int)?

    init(sampling: SamplingParameters) { self.sampling = sampling }

    func begin(prompt: [Int32]) { begins += 1 }

    func draft(context: [Int32], maxTokens: Int) throws -> Draft {
        rounds += 1
        if rounds % 5 == 0 { return .empty }
        let n = min(maxTokens, 1 + rounds % 6)
        let sampler = try Sampler(parameters: sampling)
        var seq = context, out: [Int32] = []
        for i in 0..<n {
            var logits = PrefixFakeModel.logits(after: seq[...])
            if let b = suppress, seq.count - b.promptCount < b.until {
                for id in b.tokens { logits[Int(id)] = -.infinity }
            }
            var t = try sampler.sample(logits: logits, history: seq).token
            if rounds % 3 == 0 && i == rounds % 4 { t = (t + 1) % Int32(PrefixFakeModel.vocab) }
            out.append(t)
            seq.append(t)
        }
        proposed += out.count
        return Draft(tokens: out)
    }

    func accept(committed: [Int32]) { lastCommitted = committed }
}

final class SpeculativeStepTests: XCTestCase {
    private func run(_ step: (any DecodeStep)?, model: any LanguageModel, prompt: [Int32], capacity: Int,
                     parameters: GenerationParameters) throws -> GenerationResult {
        let gen = Generator(model: model, codec: IdCodec(), step: step)
        return try gen.generate(prompt: prompt, cache: model.makeCache(capacity: capacity), parameters: parameters)
    }

    func testGreedySpeculationReproducesPlainDecodingOnFakeModel() throws {
        let prompt: [Int32] = [3, 1, 4, 1, 5, 9, 2, 6]
        // A strong penalty over a short window changes the argmax often, so rows that ignored the
        // draft prefix in their history would diverge.
        for (penalty, capacity) in [(Float(1), 256), (Float(8), 256), (Float(1), prompt.count + 23)] {
            let sampling = SamplingParameters(repeatPenalty: penalty, repeatLastN: 4)
            let params = GenerationParameters(maxTokens: 40, sampling: sampling)
            let plain = try run(nil, model: PrefixFakeModel(), prompt: prompt, capacity: capacity, parameters: params)

            let target = PrefixFakeModel()
            let drafter = SometimesWrongDrafter(sampling: sampling)
            let step = SpeculativeStep(model: target, drafter: drafter, verifier: GreedyVerifier(), draftLength: 4)
            let spec = try run(step, model: target, prompt: prompt, capacity: capacity, parameters: params)

            XCTAssertEqual(spec.tokens, plain.tokens, "penalty \(penalty), capacity \(capacity)")
            XCTAssertEqual(spec.stats.finishReason, plain.stats.finishReason)
            XCTAssertEqual(drafter.begins, 1)
            XCTAssertEqual(drafter.lastCommitted, prompt + spec.tokens)

            let m = step.metrics
            XCTAssertEqual(m.drafted, drafter.proposed)
            XCTAssertGreaterThan(m.accepted, 0)
            XCTAssertLessThan(m.accepted, m.drafted, "the drafter is wrong in some rounds")
            // Every decode round is one target pass over 1 + drafted tokens, plus the prefill.
            XCTAssertEqual(target.tokensProcessed, prompt.count + m.drafted + m.rounds)
            XCTAssertEqual(m.targetForwardPasses, m.rounds)
            // The prefill's token is not counted by the step.
            XCTAssertEqual(m.emittedTokens, spec.tokens.count - 1)
            XCTAssertEqual(m.meanAcceptedLength!, Double(spec.tokens.count - 1) / Double(m.rounds), accuracy: 1e-12)
            XCTAssertGreaterThan(m.meanAcceptedLength!, 1)
            XCTAssertEqual(m.acceptanceRate!, Double(m.accepted) / Double(m.drafted), accuracy: 1e-12)
        }
    }

    /// Drives a step by hand, checking the `DecodeStep` cache invariant after every call.
    private func decode(_ step: any DecodeStep, model: any LanguageModel, prompt: [Int32], sampler: Sampler,
                        count: Int) throws -> [Int32] {
        let cache = model.makeCache(capacity: 256)
        _ = try model.forward(Array(prompt.dropLast()), cache: cache, rows: .none)
        var sequence = prompt
        while sequence.count - prompt.count < count {
            let out = try step.advance(sequence: sequence, cache: cache, sampler: sampler,
                                       limit: count - (sequence.count - prompt.count))
            XCTAssertFalse(out.isEmpty)
            sequence += out
            XCTAssertEqual(cache.count, sequence.count - 1, "cache must hold all but the newest token")
        }
        XCTAssertEqual(sequence.count - prompt.count, count, "a step returned more than its limit")
        return Array(sequence[prompt.count...])
    }

    func testLogitProcessorsSeeTheDraftPrefixAndAreRolledBack() throws {
        let prompt: [Int32] = [5, 3, 5, 8, 9, 7]
        // The ban lifts at different points, so some drafts cross the boundary.
        for until in 4...14 {
            func sampler() throws -> (Sampler, SuppressTokensProcessor) {
                let p = SuppressTokensProcessor(tokens: Array(0..<8), untilCount: until)
                return (try Sampler(parameters: .greedy, processors: [p]), p)
            }
            let (s1, p1) = try sampler()
            let plainModel = PrefixFakeModel()
            let plain = try decode(SingleTokenStep(model: plainModel), model: plainModel, prompt: prompt, sampler: s1, count: 30)
            let target = PrefixFakeModel()
            let drafter = SometimesWrongDrafter(sampling: .greedy)
            drafter.suppress = (0..<8, until, prompt.count)
            let step = SpeculativeStep(model: target, drafter: drafter, verifier: GreedyVerifier(), draftLength: 4)
            let (s2, p2) = try sampler()
            let spec = try decode(step, model: target, prompt: prompt, sampler: s2, count: 30)
            XCTAssertEqual(spec, plain, "ban until \(until)")
            XCTAssertTrue(spec.prefix(until).allSatisfy { $0 >= 8 })
            XCTAssertEqual(p2.acceptedCount, 30)
            XCTAssertEqual(p1.acceptedCount, 30)
            XCTAssertGreaterThan(step.metrics.accepted, 0)
        }
    }

    func testSampledSpeculationIsReproducibleFromTheSeed() throws {
        let prompt: [Int32] = [2, 7, 1, 8]
        let sampling = SamplingParameters(temperature: 0.9, seed: 42)
        func once() throws -> [Int32] {
            let target = PrefixFakeModel()
            let step = SpeculativeStep(model: target, drafter: SometimesWrongDrafter(sampling: .greedy),
                                       verifier: SpeculativeSamplingVerifier(), draftLength: 3)
            return try run(step, model: target, prompt: prompt, capacity: 128,
                           parameters: GenerationParameters(maxTokens: 30, sampling: sampling)).tokens
        }
        let a = try once()
        XCTAssertEqual(a.count, 30)
        XCTAssertEqual(a, try once())
    }

    func testSmolLMPromptLookupIsLossless() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.smol))
        let text = """
        Repeat the following text exactly.
        the quick brown fox jumps over the lazy dog. the quick brown fox jumps over the lazy dog. \
        the quick brown fox jumps over the lazy dog.
        """
        let prompt = try loaded.promptTokens(text, system: nil, raw: false)
        let params = GenerationParameters(maxTokens: 48, ignoreEndOfGeneration: true)
        let plain = try loaded.makeGenerator().generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 512),
                                                        parameters: params)
        let step = SpeculativeStep(model: loaded.model, drafter: PromptLookupDrafter(), verifier: GreedyVerifier(),
                                   draftLength: 5)
        let spec = try Generator(model: loaded.model, codec: loaded.tokenizer, step: step)
            .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 512), parameters: params)
        XCTAssertEqual(spec.tokens.count, 48)
        XCTAssertEqual(spec.tokens, plain.tokens)
        XCTAssertGreaterThan(step.metrics.accepted, 0)
        print("SmolLM2 prompt lookup: α = \(step.metrics.acceptanceRate ?? 0), τ = \(step.metrics.meanAcceptedLength ?? 0)")
    }
}
