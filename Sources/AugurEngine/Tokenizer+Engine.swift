import AugurTokenizer

/// The real byte-level BPE tokenizer as the engine's codec.
extension Tokenizer: TextCodec {
    public func makeTextStream() -> any TextStream {
        // Control tokens are not rendered: end-of-generation ids never reach the stream, and other
        // control ids a model might emit mid-text (e.g. `<|im_start|>`) should not show as markup.
        StreamingDecoder(tokenizer: self, renderSpecial: false)
    }

    public var promptPrefixToken: Int32? { addBOS ? bosToken : nil }
}

extension StreamingDecoder: TextStream {
    public mutating func push(_ token: Int32) -> String { append(token) }
    public mutating func finish() -> String { flush() }
}

/// ChatML rendering with the model's default system prompt (its `render` satisfies the requirement).
extension ChatTemplate: ChatRenderer {}
