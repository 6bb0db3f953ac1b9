import AugurEngine
import Foundation

/// Builds the JSON bodies of OpenAI's chat and completion responses (and their stream chunks) for
/// one request, plus Augur's `augur` block.
///
/// Shapes follow the OpenAI API reference: `chat.completion` / `chat.completion.chunk` (delta
/// messages) and `text_completion` (the same object name for chunks). `usage.prompt_tokens_details.cached_tokens`
/// carries the prompt tokens reused from the slot's cache, as OpenAI reports cached tokens.
struct ResponseBuilder {
    let chat: Bool
    let id: String
    let created: Int
    let model: String

    init(chat: Bool, model: String) {
        self.chat = chat
        self.model = model
        id = (chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        created = Int(Date().timeIntervalSince1970)
    }

    /// OpenAI's `finish_reason`: `stop` or `length` (a cancelled generation reports `stop`; nobody reads it).
    static func finishReason(_ r: FinishReason) -> String { r == .length ? "length" : "stop" }

    /// `usage`: prompt, completion and total tokens, with the reused prompt tokens as `cached_tokens`.
    static func usage(_ s: GenerationStats) -> [String: Any] {
        ["prompt_tokens": s.promptTokens, "completion_tokens": s.generatedTokens,
         "total_tokens": s.promptTokens + s.generatedTokens,
         "prompt_tokens_details": ["cached_tokens": s.reusedPromptTokens]]
    }

    /// Augur's statistics of one generation:
    /// `{"draft", "slot", "drafted", "accepted", "acceptance_rate" (α), "mean_accepted_length" (τ),
    /// "target_passes", "prompt_tokens_reused", "prompt_tokens_prefilled", "prefill_seconds",
    /// "decode_seconds", "decode_tokens_per_second"}`; α and τ are null without speculation
    /// (τ is 1 for plain decoding by definition, but no pass count is kept then).
    static func augurBlock(_ s: GenerationStats, draft: String, slot: Int) -> [String: Any] {
        let m = s.speculation
        return [
            "draft": m == nil ? "none" : draft, "slot": slot,
            "drafted": m?.drafted ?? 0, "accepted": m?.accepted ?? 0,
            "acceptance_rate": m?.acceptanceRate ?? NSNull(), "mean_accepted_length": m?.meanAcceptedLength ?? NSNull(),
            "target_passes": m?.targetForwardPasses ?? (s.decodeTokens + 1),
            "prompt_tokens_reused": s.reusedPromptTokens, "prompt_tokens_prefilled": s.prefillTokens,
            "prefill_seconds": s.prefillSeconds, "decode_seconds": s.decodeSeconds,
            "decode_tokens_per_second": s.decodeTokensPerSecond,
        ]
    }

    private func envelope(object: String, choices: [[String: Any]]) -> [String: Any] {
        ["id": id, "object": object, "created": created, "model": model, "choices": choices]
    }

    /// The whole (non-streamed) response.
    func complete(_ result: GenerationResult, draft: String, slot: Int) -> [String: Any] {
        let finish = Self.finishReason(result.stats.finishReason)
        let choice: [String: Any] = chat
            ? ["index": 0, "message": ["role": "assistant", "content": result.text], "logprobs": NSNull(), "finish_reason": finish]
            : ["index": 0, "text": result.text, "logprobs": NSNull(), "finish_reason": finish]
        var body = envelope(object: chat ? "chat.completion" : "text_completion", choices: [choice])
        body["usage"] = Self.usage(result.stats)
        body["augur"] = Self.augurBlock(result.stats, draft: draft, slot: slot)
        return body
    }

    /// A stream chunk with a text piece (`role` in the first chat chunk), or the final chunk
    /// (`finish` set, empty delta, the `augur` block attached).
    func chunk(text: String?, role: Bool = false, finish: String? = nil, augur: [String: Any]? = nil) -> [String: Any] {
        var choice: [String: Any] = ["index": 0, "logprobs": NSNull(), "finish_reason": finish ?? NSNull()]
        if chat {
            var delta: [String: Any] = [:]
            if role { delta["role"] = "assistant" }
            if let text { delta["content"] = text }
            choice["delta"] = delta
        } else {
            choice["text"] = text ?? ""
        }
        var body = envelope(object: chat ? "chat.completion.chunk" : "text_completion", choices: [choice])
        if let augur { body["augur"] = augur }
        return body
    }

    /// The usage chunk of `stream_options.include_usage`: no choices, only `usage`.
    func usageChunk(_ s: GenerationStats) -> [String: Any] {
        var body = envelope(object: chat ? "chat.completion.chunk" : "text_completion", choices: [])
        body["usage"] = Self.usage(s)
        return body
    }
}

/// JSON bytes of a body built from dictionaries (sorted keys, so output is reproducible).
func jsonData(_ object: [String: Any]) -> Data {
    (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
}

/// One server-sent event: `data: <json>\n\n`.
func sseEvent(_ object: [String: Any]) -> Data {
    Data("data: ".utf8) + jsonData(object) + Data("\n\n".utf8)
}
