import AugurTokenizer

/// What the engine needs from a tokenizer: text → ids, ids → text in streaming pieces, and which ids end
/// a generation. The real `AugurTokenizer.Tokenizer` conforms in `Tokenizer+Engine.swift`; tests use fakes.
public protocol TextCodec {
    /// Token ids of `text`. With `parseSpecial`, special-token spellings such as `<|im_start|>` become
    /// their single ids (needed for rendered chat templates); without it they are ordinary text.
    func encode(_ text: String, parseSpecial: Bool) throws -> [Int32]

    /// A fresh incremental decoder for one generation.
    func makeTextStream() -> any TextStream

    /// Whether sampling `token` ends the generation (EOS, `<|im_end|>`, `<|endoftext|>`, …).
    func isEndOfGeneration(_ token: Int32) -> Bool

    /// The token to put in front of every prompt, or nil when the model wants none
    /// (`tokenizer.ggml.add_bos_token`).
    var promptPrefixToken: Int32? { get }
}

extension TextCodec {
    /// The ids of a whole prompt: the BOS token when the model wants one, then `encode(text, parseSpecial:)`.
    public func encodePrompt(_ text: String, parseSpecial: Bool) throws -> [Int32] {
        let ids = try encode(text, parseSpecial: parseSpecial)
        return promptPrefixToken.map { [$0] + ids } ?? ids
    }
}

/// Turns generated token ids into text pieces, holding back bytes until they form complete UTF-8
/// (one character can span several byte-level tokens).
public protocol TextStream {
    /// Appends `token` and returns the newly completed text (possibly empty).
    mutating func push(_ token: Int32) -> String
    /// Text still held back at the end (incomplete UTF-8 is replaced by U+FFFD).
    mutating func finish() -> String
}

/// Renders a conversation into prompt text with the model's chat template (ChatML for Qwen and
/// SmolLM2). The real `AugurTokenizer.ChatTemplate` conforms in `Tokenizer+Engine.swift`.
/// Messages are `AugurTokenizer.ChatMessage` (role `system`, `user` or `assistant`, and text).
public protocol ChatRenderer {
    /// The prompt text for `messages`; with `addGenerationPrompt` it ends with the opening of an
    /// assistant turn (e.g. `<|im_start|>assistant\n`). Templates with a default system prompt add it
    /// when `messages` has none.
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String
}
