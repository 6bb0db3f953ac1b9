import AugurEngine
import AugurModels
import AugurSampling
import Foundation
import XCTest

final class GeneratorTests: XCTestCase {
    let codec = FakeCodec()

    func testGreedyFollowsTheArgmaxChainAndIsDeterministic() throws {
        let model = FakeModel()
        let prompt = try codec.encode("ab c!", parseSpecial: false)
        let gen = Generator(model: model, codec: codec)
        var pieces: [String] = []
        let r1 = try gen.generate(prompt: prompt, cache: model.makeCache(capacity: 64),
                                  parameters: .init(maxTokens: 20), onText: { pieces.append($0) })
        let expected = FakeModel.greedyChain(prompt, count: 20)
        XCTAssertEqual(r1.tokens, expected)
        XCTAssertEqual(r1.text, FakeCodec.text(expected))
        XCTAssertEqual(pieces.joined(), r1.text)
        XCTAssertFalse(pieces.contains(""))
        XCTAssertEqual(r1.stats.finishReason, .length)
        XCTAssertEqual(r1.stats.promptTokens, prompt.count)
        XCTAssertEqual(r1.stats.generatedTokens, 20)
        XCTAssertEqual(r1.stats.decodeTokens, 19)
        // One prefill forward of the whole prompt asking for the last row, then one token per step.
        XCTAssertEqual(model.calls.count, 20)
        XCTAssertEqual(model.calls[0].count, prompt.count)
        XCTAssertEqual(model.calls[0].rows, .last)
        XCTAssertTrue(model.calls.dropFirst().allSatisfy { $0.count == 1 })

        let r2 = try gen.generate(prompt: prompt, cache: model.makeCache(capacity: 64), parameters: .init(maxTokens: 20))
        XCTAssertEqual(r2.tokens, r1.tokens)
        XCTAssertEqual(r2.text, r1.text)
    }

    func testStopStringSpanningTokensIsCutExactly() throws {
        let model = FakeModel()
        let prompt = try codec.encode("cab", parseSpecial: false)
        let gen = Generator(model: model, codec: codec)
        let full = FakeModel.greedyChain(prompt, count: 40)
        // A 3-byte stop string that starts in one token and ends in a later one, and first occurs there.
        let bytes = full.flatMap { FakeCodec.pieces[Int($0)] }
        var boundaries: [Int] = [], end = 0
        for t in full { end += FakeCodec.pieces[Int(t)].count; boundaries.append(end) }
        var stop: String?, stopStart = 0
        for b in boundaries.dropFirst(4) where stop == nil && b + 2 <= bytes.count {
            let candidate = Array(bytes[(b - 1)..<(b + 2)])
            guard let s = String(validatingUTF8: candidate.map { CChar(bitPattern: $0) } + [0]) else { continue }
            let first = (0...(bytes.count - 3)).first { Array(bytes[$0..<($0 + 3)]) == candidate }
            if first == b - 1 { stop = s; stopStart = b - 1 }
        }
        let stopString = try XCTUnwrap(stop, "no spanning stop string found in \(FakeCodec.text(full).debugDescription)")
        var pieces: [String] = []
        let r = try gen.generate(prompt: prompt, cache: model.makeCache(capacity: 64),
                                 parameters: .init(maxTokens: 40, stopStrings: ["never-there", stopString]), onText: { pieces.append($0) })
        let expected = String(decoding: bytes[..<stopStart], as: UTF8.self)
        XCTAssertEqual(r.text, expected)
        XCTAssertEqual(pieces.joined(), expected)
        XCTAssertEqual(r.stopString, stopString)
        XCTAssertEqual(r.stats.finishReason, .stop)
        XCTAssertLessThan(r.stats.generatedTokens, 40)
    }

    func testStopsAtEndOfGenerationToken() throws {
        let prompt = try codec.encode("ab", parseSpecial: false)
        let model = FakeModel(eosAfter: prompt.count + 5)
        let cache = model.makeCache(capacity: 64)
        let r = try Generator(model: model, codec: codec).generate(prompt: prompt, cache: cache, parameters: .init(maxTokens: 50))
        XCTAssertEqual(r.tokens, Array(FakeModel.greedyChain(prompt, count: 5)))
        XCTAssertEqual(r.stats.generatedTokens, 5)
        XCTAssertEqual(r.stats.finishReason, .stop)
        XCTAssertNil(r.stopString)
        XCTAssertFalse(r.text.contains("<eos>"))
        XCTAssertEqual(r.text, FakeCodec.text(r.tokens))
        // The end-of-generation token was sampled after running the 5th token: all are cached.
        XCTAssertEqual(cache.count, prompt.count + 5)
    }

    func testMaxTokens() throws {
        let model = FakeModel()
        let prompt = try codec.encode("x", parseSpecial: false)
        let r = try Generator(model: model, codec: codec).generate(prompt: prompt, cache: model.makeCache(capacity: 64),
                                                                  parameters: .init(maxTokens: 7))
        XCTAssertEqual(r.tokens.count, 7)
        XCTAssertEqual(r.stats.finishReason, .length)
        XCTAssertEqual(model.calls.count, 7)  // prefill + 6 decode steps: the 7th token needs no forward
    }

    func testFullContextEndsWithLengthNotAnError() throws {
        let model = FakeModel()
        let prompt = try codec.encode("ab c", parseSpecial: false)
        let cache = model.makeCache(capacity: prompt.count + 4)
        let r = try Generator(model: model, codec: codec).generate(prompt: prompt, cache: cache, parameters: .init(maxTokens: 100))
        // Positions: the prompt, then 4 decode forwards; the 5th sampled token has no room to run.
        XCTAssertEqual(r.tokens, FakeModel.greedyChain(prompt, count: 5))
        XCTAssertEqual(r.stats.finishReason, .length)
        XCTAssertEqual(cache.count, cache.capacity)

        // A prompt exactly as long as the context still yields its one token.
        let exact = model.makeCache(capacity: prompt.count)
        let r2 = try Generator(model: model, codec: codec).generate(prompt: prompt, cache: exact, parameters: .init(maxTokens: 100))
        XCTAssertEqual(r2.tokens.count, 1)
        XCTAssertEqual(r2.stats.finishReason, .length)
    }

    func testPromptLongerThanContextThrowsWithCounts() throws {
        let model = FakeModel()
        let prompt = try codec.encode("ab c ab c", parseSpecial: false)
        XCTAssertThrowsError(try Generator(model: model, codec: codec).generate(
            prompt: prompt, cache: model.makeCache(capacity: 3), parameters: .init())) { error in
            XCTAssertEqual(error as? GenerationError, .promptTooLong(promptTokens: prompt.count, contextSize: 3))
            XCTAssertTrue("\(error)".contains("\(prompt.count) tokens"))
        }
        XCTAssertTrue(model.calls.isEmpty)
        XCTAssertThrowsError(try Generator(model: model, codec: codec).generate(
            prompt: [], cache: model.makeCache(capacity: 3), parameters: .init()))
        XCTAssertThrowsError(try Generator(model: model, codec: codec).generate(
            prompt: prompt, cache: model.makeCache(capacity: 30), parameters: .init(maxTokens: 0)))
    }

    func testSeedReproducibilityWithTemperature() throws {
        let model = FakeModel()
        let prompt = try codec.encode("ab", parseSpecial: false)
        let gen = Generator(model: model, codec: codec)
        func run(_ seed: UInt64) throws -> [Int32] {
            let p = GenerationParameters(maxTokens: 30, sampling: .init(temperature: 1.5, topK: 12, topP: 0.95, seed: seed))
            return try gen.generate(prompt: prompt, cache: model.makeCache(capacity: 64), parameters: p).tokens
        }
        let a = try run(42), b = try run(42), c = try run(43)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertNotEqual(a, FakeModel.greedyChain(prompt, count: 30))
    }

    func testCancellationEndsTheGeneration() throws {
        let model = FakeModel()
        var polls = 0
        let r = try Generator(model: model, codec: codec).generate(
            prompt: [3, 4], cache: model.makeCache(capacity: 64), parameters: .init(maxTokens: 50),
            shouldContinue: { polls += 1; return polls < 3 })
        XCTAssertEqual(r.stats.finishReason, .cancelled)
        XCTAssertEqual(r.tokens.count, 3)
    }

    func testMultiTokenStepIsConsumedInOrderAndTheCacheTrimmed() throws {
        let prompt: [Int32] = [3, 4, 5]
        let model = FakeModel(eosAfter: prompt.count + 6)
        let gen = Generator(model: model, codec: codec, step: GreedyBurstStep(model: model, burst: 4))
        let cache = model.makeCache(capacity: 64)
        let r = try gen.generate(prompt: prompt, cache: cache, parameters: .init(maxTokens: 50))
        XCTAssertEqual(r.tokens, FakeModel.greedyChain(prompt, count: 6))
        XCTAssertEqual(r.stats.finishReason, .stop)
        XCTAssertLessThanOrEqual(cache.count, prompt.count + r.tokens.count)

        let capped = try gen.generate(prompt: prompt, cache: model.makeCache(capacity: 64), parameters: .init(maxTokens: 3))
        XCTAssertEqual(capped.tokens, FakeModel.greedyChain(prompt, count: 3))
    }

    func testStatsRates() {
        let s = GenerationStats(promptTokens: 100, reusedPromptTokens: 20, generatedTokens: 11, decodeTokens: 10,
                                prefillSeconds: 2, decodeSeconds: 0.5, finishReason: .stop)
        XCTAssertEqual(s.prefillTokens, 80)
        XCTAssertEqual(s.prefillTokensPerSecond, 40, accuracy: 1e-9)
        XCTAssertEqual(s.decodeTokensPerSecond, 20, accuracy: 1e-9)
        XCTAssertEqual(s.endToEndTokensPerSecond, 4.4, accuracy: 1e-9)
        XCTAssertTrue(s.summary.contains("decode 20.0 tok/s"))
        XCTAssertEqual(GenerationStats().decodeTokensPerSecond, 0)
    }
}

/// A stand-in for a speculative step: greedily runs up to `burst` tokens per call (each forward
/// is one token, so the cache invariant holds), returning them together.
final class GreedyBurstStep: DecodeStep {
    let model: LanguageModel
    let burst: Int
    init(model: LanguageModel, burst: Int) { self.model = model; self.burst = burst }

    func advance(sequence: [Int32], cache: KVCache, sampler: Sampler, limit: Int) throws -> [Int32] {
        var seq = sequence, out: [Int32] = []
        while out.count < min(burst, limit) && cache.count < cache.capacity {
            let logits = try model.forward([seq.last!], cache: cache, rows: .last)
            let t = try sampler.sample(logits: logits.values, history: seq).token
            out.append(t)
            seq.append(t)
        }
        return out
    }
}

final class GenerationStreamTests: XCTestCase {
    func testStreamYieldsTheSameTextAndResultAsGenerate() async throws {
        let model = FakeModel()
        let gen = Generator(model: model, codec: FakeCodec())
        let prompt: [Int32] = [3, 7, 9]
        let direct = try gen.generate(prompt: prompt, cache: model.makeCache(capacity: 64), parameters: .init(maxTokens: 12))
        var text = "", result: GenerationResult?
        for try await event in gen.stream(prompt: prompt, cache: model.makeCache(capacity: 64), parameters: .init(maxTokens: 12)) {
            switch event {
            case .text(let piece): text += piece
            case .finished(let r): result = r
            }
        }
        XCTAssertEqual(text, direct.text)
        XCTAssertEqual(result?.tokens, direct.tokens)
    }

    func testStreamErrorsArriveAsThrows() async throws {
        let model = FakeModel()
        let gen = Generator(model: model, codec: FakeCodec())
        do {
            for try await _ in gen.stream(prompt: [3, 4, 5, 6], cache: model.makeCache(capacity: 2), parameters: .init()) {}
            XCTFail("expected promptTooLong")
        } catch let e as GenerationError {
            XCTAssertEqual(e, .promptTooLong(promptTokens: 4, contextSize: 2))
        }
    }
}

final class GenerationParametersTests: XCTestCase {
    func testDecodingFillsMissingFieldsWithDefaults() throws {
        let p = try JSONDecoder().decode(GenerationParameters.self, from: Data(#"{"maxTokens": 7, "sampling": {"temperature": 0.5}}"#.utf8))
        XCTAssertEqual(p.maxTokens, 7)
        XCTAssertEqual(p.sampling.temperature, 0.5)
        XCTAssertEqual(p.stopStrings, [])
        XCTAssertFalse(p.ignoreEndOfGeneration)
        let round = try JSONDecoder().decode(GenerationParameters.self, from: JSONEncoder().encode(p))
        XCTAssertEqual(round, p)
    }

    func testIgnoringEndOfGenerationRunsToMaxTokens() throws {
        let prompt: [Int32] = [3, 4]
        let model = FakeModel(eosAfter: prompt.count + 2)
        let r = try Generator(model: model, codec: FakeCodec()).generate(
            prompt: prompt, cache: model.makeCache(capacity: 64), parameters: .init(maxTokens: 6, ignoreEndOfGeneration: true))
        XCTAssertEqual(r.tokens.count, 6)
        XCTAssertEqual(r.tokens[2], FakeCodec.eos)
        XCTAssertEqual(r.stats.finishReason, .length)
    }
}
