import AugurModels
import AugurTokenizer

/// A multi-turn conversation that keeps its KV cache between turns and prefills only what changed.
///
/// Each turn renders the whole conversation with the chat template, tokenises it, and compares it
/// with the token ids the cache holds: the longest common prefix stays in the cache (`truncate(to:)`
/// drops the rest) and only the remaining tokens are prefilled. Normally that is the end of the
/// previous reply plus the new user message; the reply is re-tokenised from its text, so where that
/// tokenisation differs from the sampled ids, reuse simply stops earlier. Output equals what a fresh
/// session given the same messages would produce (the cache holds exactly the ids of the prefix).
///
/// ```swift
/// let chat = ChatSession(generator: gen, renderer: template, contextSize: 4096)
/// let r1 = try chat.respond(to: "Write a haiku", parameters: params) { print($0, terminator: "") }
/// let r2 = try chat.respond(to: "Another one", parameters: params)   // r2.stats.reusedPromptTokens > 0
/// ```
/// Not thread-safe: one session per conversation and task.
public final class ChatSession {
    public let generator: Generator
    public let renderer: any ChatRenderer
    public let cache: KVCache
    /// The conversation so far (system message first when there is one).
    public private(set) var messages: [ChatMessage]
    /// The token ids the cache holds, position by position (`cachedTokens.count == cache.count`).
    public private(set) var cachedTokens: [Int32] = []

    /// - Parameters:
    ///   - contextSize: KV cache capacity in positions (allocated now, once).
    ///   - messages: an initial conversation (e.g. a system message, or an earlier history).
    public init(generator: Generator, renderer: any ChatRenderer, contextSize: Int, messages: [ChatMessage] = []) {
        self.generator = generator
        self.renderer = renderer
        self.cache = generator.model.makeCache(capacity: contextSize)
        self.messages = messages
    }

    /// Adds a user message, generates the assistant's reply and adds it to the conversation.
    ///
    /// - Returns: the reply; `stats.reusedPromptTokens` of `stats.promptTokens` came from the cache.
    /// - Throws: `GenerationError.promptTooLong` when the conversation no longer fits the context
    ///   (the conversation is unchanged; call `reset` or start a new session), and template, model and
    ///   sampling errors. After an error the conversation is unchanged.
    @discardableResult
    public func respond(to userMessage: String, parameters: GenerationParameters,
                        shouldContinue: () -> Bool = { true },
                        onText: (String) -> Void = { _ in }) throws -> GenerationResult {
        let conversation = messages + [.user(userMessage)]
        let rendered = try renderer.render(conversation, addGenerationPrompt: true)
        let prompt = try generator.codec.encodePrompt(rendered, parseSpecial: true)
        let common = Self.commonPrefixLength(cachedTokens, prompt)
        do {
            let result = try generator.generate(prompt: prompt, cache: cache, reusedPrefix: common, parameters: parameters,
                                                shouldContinue: shouldContinue, onText: onText)
            messages = conversation + [.assistant(result.text)]
            cachedTokens = Array((prompt + result.tokens).prefix(cache.count))
            return result
        } catch {
            // Keep only what is certainly consistent: the common prefix (the failed prefill may have
            // left some of the new prompt behind, or nothing may have changed).
            let keep = min(common, cache.count)
            cache.truncate(to: keep)
            cachedTokens = Array(prompt.prefix(keep))
            throw error
        }
    }

    /// Forgets the conversation (keeping the first message when it is a system message) and empties the cache.
    public func reset() {
        messages = messages.first.map { $0.role == "system" ? [$0] : [] } ?? []
        cache.truncate(to: 0)
        cachedTokens = []
    }

    /// Length of the longest common prefix of `a` and `b`.
    public static func commonPrefixLength(_ a: [Int32], _ b: [Int32]) -> Int {
        var i = 0
        let n = min(a.count, b.count)
        while i < n && a[i] == b[i] { i += 1 }
        return i
    }
}
