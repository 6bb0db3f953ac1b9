import AugurEngine
import AugurModels
import AugurTokenizer
import XCTest

final class ChatSessionTests: XCTestCase {
    let codec = FakeCodec()
    let params = GenerationParameters(maxTokens: 8)

    func testSecondTurnPrefillsOnlyNewTokensAndMatchesAFreshSession() throws {
        let model = FakeModel()
        let gen = Generator(model: model, codec: codec)
        let chat = ChatSession(generator: gen, renderer: FakeChatRenderer(), contextSize: 256,
                               messages: [.system("be brief")])
        let r1 = try chat.respond(to: "ab c", parameters: params)
        XCTAssertEqual(r1.stats.reusedPromptTokens, 0)
        XCTAssertEqual(r1.tokens.count, 8)
        XCTAssertEqual(chat.cachedTokens.count, chat.cache.count)

        model.resetCalls()
        let r2 = try chat.respond(to: "cab!", parameters: params)
        let turn1Prompt = try codec.encode(FakeChatRenderer().render([.system("be brief"), .user("ab c")],
                                                                      addGenerationPrompt: true), parseSpecial: true)
        XCTAssertGreaterThanOrEqual(r2.stats.reusedPromptTokens, turn1Prompt.count)
        XCTAssertEqual(model.calls.first?.count, r2.stats.promptTokens - r2.stats.reusedPromptTokens)
        XCTAssertLessThan(model.calls.first?.count ?? .max, r2.stats.promptTokens / 2)
        XCTAssertEqual(chat.messages.map(\.role), ["system", "user", "assistant", "user", "assistant"])
        XCTAssertEqual(chat.messages[2].content, r1.text)

        // A fresh session given the same history produces the same reply, prefilling everything.
        let fresh = ChatSession(generator: Generator(model: FakeModel(), codec: codec), renderer: FakeChatRenderer(),
                                contextSize: 256, messages: Array(chat.messages.prefix(3)))
        let f2 = try fresh.respond(to: "cab!", parameters: params)
        XCTAssertEqual(f2.tokens, r2.tokens)
        XCTAssertEqual(f2.text, r2.text)
        XCTAssertEqual(f2.stats.reusedPromptTokens, 0)
        XCTAssertEqual(f2.stats.promptTokens, r2.stats.promptTokens)
    }

    func testEditedHistoryReusesOnlyTheCommonPrefix() throws {
        let model = FakeModel()
        let chat = ChatSession(generator: Generator(model: model, codec: codec), renderer: FakeChatRenderer(), contextSize: 256)
        _ = try chat.respond(to: "ab ab ab", parameters: params)
        chat.reset()
        XCTAssertEqual(chat.cache.count, 0)
        let r = try chat.respond(to: "ab ab ab", parameters: params)
        XCTAssertEqual(r.stats.reusedPromptTokens, 0)
        // Same first turn again in a new session object sharing nothing: identical output.
        let again = ChatSession(generator: Generator(model: FakeModel(), codec: codec), renderer: FakeChatRenderer(), contextSize: 256)
        XCTAssertEqual(try again.respond(to: "ab ab ab", parameters: params).tokens, r.tokens)
    }

    func testConversationTooLongThrowsAndLeavesTheSessionUsable() throws {
        let model = FakeModel()
        let chat = ChatSession(generator: Generator(model: model, codec: codec), renderer: FakeChatRenderer(), contextSize: 64)
        let r1 = try chat.respond(to: "ab", parameters: params)
        XCTAssertEqual(r1.stats.finishReason, .length)
        XCTAssertThrowsError(try chat.respond(to: String(repeating: "x", count: 80), parameters: params)) { error in
            guard case .promptTooLong(let n, 64)? = error as? GenerationError else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(n, 64)
        }
        XCTAssertEqual(chat.messages.count, 2)
        XCTAssertEqual(chat.cachedTokens.count, chat.cache.count)
        let r2 = try chat.respond(to: "c", parameters: .init(maxTokens: 2))
        XCTAssertGreaterThan(r2.stats.reusedPromptTokens, 0)
    }

    func testCommonPrefixLength() {
        XCTAssertEqual(ChatSession.commonPrefixLength([1, 2, 3], [1, 2, 4, 5]), 2)
        XCTAssertEqual(ChatSession.commonPrefixLength([], [1]), 0)
        XCTAssertEqual(ChatSession.commonPrefixLength([7, 8], [7, 8]), 2)
    }
}
