import AugurGGUF
import AugurTestSupport
@testable import AugurTokenizer
import XCTest

final class ChatTemplateTests: XCTestCase {
    /// Every conversation rendered by jinja2 from the model's own template (see the fixture script).
    func testMatchesJinjaRenderingOfModelTemplates() throws {
        let chats = try TokenizerFixtures.chats()
        XCTAssertGreaterThan(chats.count, 0)
        var templates: [String: ChatTemplate] = [:]
        for c in chats {
            let template: ChatTemplate
            if let t = templates[c.model] {
                template = t
            } else {
                template = ChatTemplate(gguf: try GGUFFile(path: TestModels.path(c.model)))
                templates[c.model] = template
            }
            let messages = c.messages.map { ChatMessage(role: $0[0], content: $0[1]) }
            XCTAssertEqual(template.render(messages, addGenerationPrompt: c.add_generation_prompt), c.expected,
                           "\(c.model) \(c.messages) generation prompt: \(c.add_generation_prompt)")
        }
    }

    func testDefaultSystemPromptsOfBothModels() throws {
        let qwen = ChatTemplate(gguf: try GGUFFile(path: TestModels.path(TestModels.qwenTarget)))
        XCTAssertEqual(qwen.defaultSystemPrompt, "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
        XCTAssertTrue(qwen.templateIsChatML)
        let smol = ChatTemplate(gguf: try GGUFFile(path: TestModels.path(TestModels.smol)))
        XCTAssertEqual(smol.defaultSystemPrompt, "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
    }

    func testExtractionFromTemplateSnippets() {
        // Literal newline inside the literal (SmolLM2 style) and escaped \n (Qwen style).
        XCTAssertEqual(ChatTemplate(template: "{{ '<|im_start|>system\nBe nice.<|im_end|>\n' }}").defaultSystemPrompt, "Be nice.")
        XCTAssertEqual(ChatTemplate(template: #"{{- '<|im_start|>system\nIt\'s me.<|im_end|>\n' }}"#).defaultSystemPrompt, "It's me.")
        // A system header concatenated with the message content is not a default prompt.
        XCTAssertNil(ChatTemplate(template: #"{{ '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}"#).defaultSystemPrompt)
        // Quotes in plain template text outside {{ }} / {% %} are not string literals.
        XCTAssertNil(ChatTemplate(template: "don't '<|im_start|>system\nX<|im_end|>'").defaultSystemPrompt)
        XCTAssertNil(ChatTemplate(template: nil).defaultSystemPrompt)
        XCTAssertFalse(ChatTemplate(template: "{{ bos_token }}[INST]").templateIsChatML)
    }

    func testPlainChatML() {
        let t = ChatTemplate(defaultSystemPrompt: nil)
        XCTAssertEqual(t.render([.user("Hi")]), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let s = ChatTemplate(defaultSystemPrompt: "S")
        XCTAssertEqual(s.render([.user("Hi")], addGenerationPrompt: false),
                       "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
        XCTAssertEqual(s.render([.system("T"), .user("Hi")], addGenerationPrompt: false),
                       "<|im_start|>system\nT<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }
}
