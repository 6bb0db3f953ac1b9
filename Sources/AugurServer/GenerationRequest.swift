import AugurEngine
import AugurSampling
import AugurSpeculative
import AugurTokenizer

/// A validated `POST /v1/chat/completions` or `POST /v1/completions` body.
///
/// Fields read (OpenAI's names; anything else is ignored, as vLLM and llama.cpp do):
/// `model`, `messages` (chat) or `prompt` (completion), `max_tokens` / `max_completion_tokens`,
/// `temperature` (default 1.0, as OpenAI), `top_p`, `seed` (default: a random one), `stop` (string or
/// list), `n` (1 only), `stream`, `stream_options.include_usage`, `logprobs` (false only), plus the
/// llama.cpp extensions `top_k`, `min_p`, `repeat_penalty` and Augur's `speculative` object
/// (`SpeculativeOverrides`). A known field of the wrong type or out of range throws
/// `APIError.invalidField` naming it.
public struct GenerationRequest: Sendable {
    /// What to continue: a conversation rendered with the model's chat template, or raw text.
    public enum Input: Sendable, Equatable {
        case chat([ChatMessage])
        case text(String)
    }

    public var input: Input
    /// The `model` field as sent (nil when absent).
    public var model: String?
    /// `max_completion_tokens` or `max_tokens` (nil: up to the end of the context).
    public var maxTokens: Int?
    public var stream: Bool
    /// `stream_options.include_usage`: a last chunk with `usage` before `[DONE]`.
    public var includeUsage: Bool
    public var sampling: SamplingParameters
    public var stop: [String]
    public var speculative: SpeculativeOverrides

    /// Parses and checks a request body.
    /// - Parameters:
    ///   - body: the JSON object.
    ///   - chat: true for `/v1/chat/completions` (needs `messages`), false for `/v1/completions` (needs `prompt`).
    /// - Throws: `APIError` (400) naming the field.
    public init(_ body: JSONObject, chat: Bool) throws {
        model = try body.string("model")
        if chat {
            guard let raw = try body.array("messages") else {
                throw APIError.invalidRequest("'messages' is required", param: "messages")
            }
            guard !raw.isEmpty else { throw APIError.invalidField("messages", "must not be empty") }
            input = .chat(try raw.enumerated().map { try Self.message($0.element, index: $0.offset) })
        } else {
            guard body.fields["prompt"] != nil, body.fields["prompt"] != .null else {
                throw APIError.invalidRequest("'prompt' is required", param: "prompt")
            }
            let parts = try body.stringList("prompt") ?? []
            guard parts.count == 1 else {
                throw APIError.invalidField("prompt", "must be one string (batches of prompts are not supported)")
            }
            input = .text(parts[0])
        }
        maxTokens = try body.int("max_completion_tokens") ?? body.int("max_tokens")
        if let m = maxTokens, m <= 0 {
            let name = body.fields["max_completion_tokens"].map { $0 == .null ? "max_tokens" : "max_completion_tokens" } ?? "max_tokens"
            throw APIError.invalidField(name, "must be ≥ 1, got \(m)")
        }
        if let n = try body.int("n"), n != 1 { throw APIError.invalidField("n", "must be 1 (one choice per request), got \(n)") }
        if try body.bool("logprobs") == true { throw APIError.invalidField("logprobs", "is not supported (send false or omit it)") }
        stream = try body.bool("stream") ?? false
        includeUsage = try body.object("stream_options")?.bool("include_usage") ?? false
        stop = try body.stringList("stop")?.filter { !$0.isEmpty } ?? []

        var s = SamplingParameters(temperature: 1)
        if let t = try body.double("temperature") {
            guard t.isFinite, t >= 0 else { throw APIError.invalidField("temperature", "must be ≥ 0, got \(t)") }
            s.temperature = Float(t)
        }
        if let p = try body.double("top_p") {
            guard p > 0, p <= 1 else { throw APIError.invalidField("top_p", "must be in (0, 1], got \(p)") }
            s.topP = Float(p)
        }
        if let k = try body.int("top_k") {
            guard k >= 0 else { throw APIError.invalidField("top_k", "must be ≥ 0 (0 = off), got \(k)") }
            s.topK = k
        }
        if let m = try body.double("min_p") {
            guard (0...1).contains(m) else { throw APIError.invalidField("min_p", "must be in [0, 1], got \(m)") }
            s.minP = Float(m)
        }
        if let r = try body.double("repeat_penalty") {
            guard r.isFinite, r > 0 else { throw APIError.invalidField("repeat_penalty", "must be > 0 (1 = off), got \(r)") }
            s.repeatPenalty = Float(r)
        }
        if let seed = try body.int("seed") {
            s.seed = UInt64(bitPattern: Int64(seed))
        } else {
            s.seed = UInt64.random(in: 0...UInt64.max)
        }
        sampling = s
        speculative = try SpeculativeOverrides(body.object("speculative"))
    }

    /// One chat message: `role` (system, developer (as system), user, assistant) and `content`, a
    /// string or an array of `{"type": "text", "text": ...}` parts (joined).
    private static func message(_ value: JSONValue, index: Int) throws -> ChatMessage {
        let name = "messages[\(index)]"
        guard case .object(let fields) = value else { throw APIError.invalidField(name, "must be an object, got \(value.typeName)") }
        let m = JSONObject(fields: fields, path: name + ".")
        guard let role = try m.string("role") else { throw APIError.invalidField(name + ".role", "is required") }
        guard ["system", "developer", "user", "assistant"].contains(role) else {
            throw APIError.invalidField(name + ".role", "must be system, developer, user or assistant, got '\(role)'")
        }
        let content: String
        switch fields["content"] ?? .null {
        case .string(let s): content = s
        case .null where role == "assistant": content = ""
        case .array(let parts):
            content = try parts.enumerated().map { i, part -> String in
                guard case .object(let p) = part, p["type"] == .string("text"), case .string(let text)? = p["text"] else {
                    throw APIError.invalidField("\(name).content[\(i)]", "must be a text part {\"type\": \"text\", \"text\": ...}")
                }
                return text
            }.joined()
        case let other:
            throw APIError.invalidField(name + ".content", "must be a string or an array of text parts, got \(other.typeName)")
        }
        return ChatMessage(role: role == "developer" ? "system" : role, content: content)
    }
}

/// Augur's `speculative` request object: each field mirrors one `augur generate` flag and overrides
/// the server's start-up value for this request only.
///
/// | field | flag | values |
/// |---|---|---|
/// | `draft` | `--draft` | `"none"`, `"ngram"`, or the name of the draft model loaded at start (no other model is loaded per request) |
/// | `draft_max` | `--draft-max` | integer ≥ 0 |
/// | `draft_min` | `--draft-min` | integer ≥ 0 |
/// | `draft_p_min` | `--draft-p-min` | number in [0, 1] |
/// | `draft_policy` | `--draft-policy` | `"fixed"` or `"adaptive"` |
/// | `verifier` | `--verifier` | `"auto"`, `"greedy"`, `"sampling"`, or another `VerificationMethod` by its raw name |
/// | `ngram_min`, `ngram_max` | `--ngram-min`, `--ngram-max` | integers ≥ 1 |
/// | `tree` | `--tree` | `"none"` or `"topk"` (also `false` / `true`) |
/// | `tree_tokens`, `tree_depth`, `tree_topk` | `--tree-tokens`, `--tree-depth`, `--tree-topk` | integers |
public struct SpeculativeOverrides: Sendable, Equatable {
    public var draft: String?
    public var draftMax: Int?
    public var draftMin: Int?
    public var draftPMin: Float?
    public var policy: DraftPolicyKind?
    public var verifier: VerificationMethod?
    public var ngramMin: Int?
    public var ngramMax: Int?
    public var tree: DraftTreeKind?
    public var treeTokens: Int?
    public var treeDepth: Int?
    public var treeTopK: Int?

    public init() {}

    /// - Throws: `APIError.invalidField` naming `speculative.<field>`.
    public init(_ object: JSONObject?) throws {
        guard let o = object else { return }
        draft = try o.string("draft")
        draftMax = try o.int("draft_max")
        draftMin = try o.int("draft_min")
        draftPMin = try o.double("draft_p_min").map(Float.init)
        if let p = try o.string("draft_policy") {
            guard let kind = DraftPolicyKind(rawValue: p) else {
                throw APIError.invalidField("speculative.draft_policy", "must be fixed or adaptive, got '\(p)'")
            }
            policy = kind
        }
        if let v = try o.string("verifier") {
            switch v {
            case "auto": verifier = .automatic
            case "greedy": verifier = .greedy
            case "sampling": verifier = .speculativeSampling
            default:
                // Other methods by their engine name (e.g. ones added after this list was written).
                guard let method = VerificationMethod(rawValue: v) else {
                    let names = ["auto", "greedy", "sampling"] + VerificationMethod.allCases.map(\.rawValue)
                        .filter { !["automatic", "greedy", "speculativeSampling"].contains($0) }
                    throw APIError.invalidField("speculative.verifier", "must be one of \(names.joined(separator: ", ")), got '\(v)'")
                }
                verifier = method
            }
        }
        ngramMin = try o.int("ngram_min")
        ngramMax = try o.int("ngram_max")
        switch o.fields["tree"] ?? .null {
        case .null: break
        case .bool(let b): tree = b ? .topk : DraftTreeKind.none
        case .string(let name):
            guard let kind = DraftTreeKind(rawValue: name) else {
                let names = DraftTreeKind.allCases.map(\.rawValue).joined(separator: " or ")
                throw APIError.invalidField("speculative.tree", "must be \(names), got '\(name)'")
            }
            tree = kind
        case let other: throw APIError.invalidField("speculative.tree", "must be a string or a boolean, got \(other.typeName)")
        }
        treeTokens = try o.int("tree_tokens")
        treeDepth = try o.int("tree_depth")
        treeTopK = try o.int("tree_topk")
    }

    /// `base` with these overrides applied.
    /// - Throws: `APIError.invalidField("speculative", …)` when the result is out of range.
    public func applied(to base: SpeculationSettings) throws -> SpeculationSettings {
        var s = base
        if let v = draftMax { s.draftMax = v }
        if let v = draftMin { s.draftMin = v }
        if let v = draftPMin { s.draftPMin = v }
        if let v = policy { s.policy = v }
        if let v = verifier { s.verifier = v }
        if let v = ngramMin { s.ngramMin = v }
        if let v = ngramMax { s.ngramMax = v }
        if let v = tree { s.tree = v }
        if let v = treeTokens { s.treeTokens = v }
        if let v = treeDepth { s.treeDepth = v }
        if let v = treeTopK { s.treeTopK = v }
        do {
            try s.validate()
        } catch {
            throw APIError.invalidField("speculative", "\(error)")
        }
        return s
    }
}
