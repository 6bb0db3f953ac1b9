import AugurEngine
import AugurTestSupport
import AugurTokenizer
import XCTest

/// The engine on the real SmolLM2-135M (skipped when the model is not cached).
final class SmolEndToEndTests: XCTestCase {
    /// The ChatML prompt `augur generate "What is the capital of France?"` builds for SmolLM2
    /// (with the template's default system prompt).
    static let question = "What is the capital of France?"
    /// llama.cpp 0c1e570 (llama-cpp-python 0.3.36), greedy, same 37 prompt tokens: the first 8 tokens.
    static let llamaCppGreedy: [Int32] = [60, 23, 39614, 1141, 552, 28, 2618, 2828]

    func testGreedyIsDeterministicAndMatchesLlamaCpp() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.smol))
        let prompt = try loaded.promptTokens(Self.question, system: nil, raw: false)
        XCTAssertEqual(prompt.count, 37)
        let gen = loaded.makeGenerator()
        var streamed = ""
        let a = try gen.generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 256),
                                 parameters: .init(maxTokens: 16), onText: { streamed += $0 })
        let b = try gen.generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 256), parameters: .init(maxTokens: 16))
        XCTAssertEqual(a.tokens.count, 16)
        XCTAssertEqual(a.tokens, b.tokens)
        XCTAssertEqual(a.text, b.text)
        XCTAssertEqual(streamed, a.text)
        XCTAssertEqual(a.text, loaded.tokenizer.decode(a.tokens, renderSpecial: false))
        XCTAssertEqual(Array(a.tokens.prefix(8)), Self.llamaCppGreedy)
        XCTAssertGreaterThan(a.stats.decodeTokensPerSecond, 0)
        XCTAssertGreaterThan(a.stats.prefillTokensPerSecond, 0)
    }

    func testChatSessionReusesThePrefixAndMatchesAFreshSession() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.smol))
        let params = GenerationParameters(maxTokens: 12)
        let chat = ChatSession(generator: loaded.makeGenerator(), renderer: loaded.template, contextSize: 512)
        let r1 = try chat.respond(to: "Name a color.", parameters: params)
        let r2 = try chat.respond(to: "Name another one.", parameters: params)
        XCTAssertGreaterThanOrEqual(r2.stats.reusedPromptTokens, r1.stats.promptTokens)
        XCTAssertLessThan(r2.stats.prefillTokens, 40)

        let fresh = ChatSession(generator: loaded.makeGenerator(), renderer: loaded.template, contextSize: 512,
                                messages: Array(chat.messages.prefix(2)))
        let f2 = try fresh.respond(to: "Name another one.", parameters: params)
        XCTAssertEqual(f2.stats.reusedPromptTokens, 0)
        XCTAssertEqual(f2.stats.promptTokens, r2.stats.promptTokens)
        XCTAssertEqual(f2.tokens, r2.tokens)
    }

    func testStopStringOnRealText() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.smol))
        let prompt = try loaded.promptTokens(Self.question, system: nil, raw: false)
        let gen = loaded.makeGenerator()
        let full = try gen.generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 256), parameters: .init(maxTokens: 24))
        // Stop at the second comma-separated phrase's "la f" (spans tokens in SmolLM2's vocabulary).
        let stop = "la f"
        let cut = try XCTUnwrap(full.text.range(of: stop), "reference text changed: \(full.text)")
        let r = try gen.generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 256),
                                 parameters: .init(maxTokens: 24, stopStrings: [stop]))
        XCTAssertEqual(r.text, String(full.text[..<cut.lowerBound]))
        XCTAssertEqual(r.stats.finishReason, .stop)
    }
}
