import AugurGGUF

/// One chat message: a role (`system`, `user`, `assistant`, ...) and its text.
public struct ChatMessage: Sendable, Equatable {
    /// The ChatML role name, written verbatim after `<|im_start|>`.
    public var role: String
    /// The message text.
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// Shorthands for the three usual roles.
    public static func system(_ text: String) -> ChatMessage { .init(role: "system", content: text) }
    public static func user(_ text: String) -> ChatMessage { .init(role: "user", content: text) }
    public static func assistant(_ text: String) -> ChatMessage { .init(role: "assistant", content: text) }
}

/// Formats a conversation as a ChatML prompt, the format both Qwen2.5 and SmolLM2 are trained on:
///
///     <|im_start|>system\nYou are ...<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n
///
/// Augur does not run Jinja. It reads `tokenizer.chat_template` only to find the default system
/// prompt the template inserts when the conversation does not start with a system message (Qwen2.5:
/// "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."; SmolLM2: "You are a
/// helpful AI assistant named SmolLM, trained by Hugging Face"): the text of a string literal
/// `'<|im_start|>system\n…<|im_end|>'` in the template. Without such a literal, or without a
/// template, it is plain ChatML with no default system message. Tool calls are not supported.
public struct ChatTemplate: Sendable {
    /// The system prompt inserted when the first message is not a system message, if any.
    public let defaultSystemPrompt: String?
    /// Whether the model's template is ChatML (mentions `<|im_start|>`). When false the rendering is
    /// still ChatML, which may not be what the model was trained on; callers can warn.
    public let templateIsChatML: Bool
    /// Whether the model file has a `tokenizer.chat_template` at all.
    public let hasTemplate: Bool

    /// Reads `tokenizer.chat_template` from `gguf` (absent or non-ChatML templates fall back to plain ChatML).
    public init(gguf: GGUFFile) {
        self.init(template: gguf.string("tokenizer.chat_template"))
    }

    /// A template from the Jinja source `template` (nil: plain ChatML).
    public init(template: String?) {
        hasTemplate = template != nil
        templateIsChatML = template?.contains("<|im_start|>") ?? false
        defaultSystemPrompt = template.flatMap(Self.extractDefaultSystemPrompt)
    }

    /// Plain ChatML with the given default system prompt (nil: none).
    public init(defaultSystemPrompt: String?) {
        self.defaultSystemPrompt = defaultSystemPrompt
        hasTemplate = false
        templateIsChatML = true
    }

    /// The prompt text for `messages`. Each message becomes `<|im_start|>ROLE\nCONTENT<|im_end|>\n`;
    /// the default system prompt (if any) goes first when `messages` does not start with a system
    /// message; `addGenerationPrompt` appends `<|im_start|>assistant\n` for the reply. Encode the
    /// result with `parseSpecial: true`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        if let sys = defaultSystemPrompt, let first = messages.first, first.role != "system" {
            append(ChatMessage.system(sys), to: &out)
        }
        for m in messages { append(m, to: &out) }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    private func append(_ m: ChatMessage, to out: inout String) {
        out += "<|im_start|>"
        out += m.role
        out += "\n"
        out += m.content
        out += "<|im_end|>\n"
    }

    /// The text of the first Jinja string literal (inside a `{{ }}` or `{% %}` block) containing
    /// `<|im_start|>system` + newline + TEXT + `<|im_end|>` with a non-empty TEXT that stays inside
    /// that one literal (so it is fixed text, not a concatenation with a message), escapes resolved.
    static func extractDefaultSystemPrompt(_ template: String) -> String? {
        let s = Array(template.unicodeScalars)
        var i = 0
        var inCode = false
        while i < s.count {
            let c = s[i]
            let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
            if !inCode {
                if c == "{" && (next == "{" || next == "%") { inCode = true; i += 2 } else { i += 1 }
                continue
            }
            if (c == "}" || c == "%") && next == "}" { inCode = false; i += 2; continue }
            guard c == "'" || c == "\"" else { i += 1; continue }
            // One string literal, escapes resolved.
            var text: [Unicode.Scalar] = []
            var j = i + 1
            while j < s.count && s[j] != c {
                if s[j] == "\\" && j + 1 < s.count {
                    switch s[j + 1] {
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    case "r": text.append("\r")
                    default: text.append(s[j + 1])
                    }
                    j += 2
                } else {
                    text.append(s[j])
                    j += 1
                }
            }
            guard j < s.count else { return nil }  // unterminated literal
            if let prompt = systemText(in: text) { return prompt }
            i = j + 1
        }
        return nil
    }

    private static func systemText(in literal: [Unicode.Scalar]) -> String? {
        let head = Array("<|im_start|>system\n".unicodeScalars), tail = Array("<|im_end|>".unicodeScalars)
        guard let h = firstIndex(of: head, in: literal, from: 0),
              let t = firstIndex(of: tail, in: literal, from: h + head.count), t > h + head.count else { return nil }
        var body = String.UnicodeScalarView()
        body.append(contentsOf: literal[(h + head.count)..<t])
        return String(body)
    }

    private static func firstIndex(of needle: [Unicode.Scalar], in hay: [Unicode.Scalar], from: Int) -> Int? {
        guard hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        for i in from...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }
}
