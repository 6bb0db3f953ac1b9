import AugurGGUF

/// What a vocabulary entry is (`tokenizer.ggml.token_type`, llama.cpp `llama_token_type`).
public enum TokenKind: UInt8, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

/// Byte-level BPE tokenizer built from a GGUF file's `tokenizer.ggml.*` metadata.
///
/// Pipeline (one file per stage): special-token splitting (`SpecialTokenSplitter`) → pre-tokenizer
/// (`PreTokenizer`, a scanner per `tokenizer.ggml.pre`) → BPE merges per word (`BPEModel`) → ids.
/// Decoding maps each id back to bytes (`ByteLevel`); `StreamingDecoder` releases only complete
/// UTF-8. Output matches llama.cpp's `llama_tokenize(..., add_special: false, parse_special:)` id
/// for id (checked by the fixture tests on Qwen2.5 and SmolLM2 vocabularies).
///
/// Immutable after `init`; safe to share between threads. Loading the 151,936-token Qwen vocabulary
/// takes a fraction of a second; see the tests for measured encode speed.
///
/// ```swift
/// let tok = try Tokenizer(gguf: file)
/// let ids = tok.encode("<|im_start|>user\nHi<|im_end|>", parseSpecial: true)
/// tok.decode(ids)  // the same string
/// ```
public final class Tokenizer: @unchecked Sendable {
    /// Number of vocabulary entries; valid ids are `0..<vocabSize`.
    public let vocabSize: Int
    /// The pre-tokenizer named by `tokenizer.ggml.pre`.
    public let preTokenizer: PreTokenizer
    /// `tokenizer.ggml.bos_token_id`, if present.
    public let bosToken: Int32?
    /// `tokenizer.ggml.eos_token_id`, if present.
    public let eosToken: Int32?
    /// `tokenizer.ggml.padding_token_id`, if present.
    public let paddingToken: Int32?
    /// The token that ends a chat turn: `tokenizer.ggml.eot_token_id` if present, else the first of
    /// `<|im_end|>`, `<|eot_id|>`, `<end_of_turn>`, `<|end|>`, `<|endoftext|>` in the vocabulary.
    public let endOfTurnToken: Int32?
    /// Whether the model expects a BOS token in front of a prompt (`tokenizer.ggml.add_bos_token`).
    public let addBOS: Bool
    /// Ids of the tokens that end generation, as llama.cpp's `llama_vocab_is_eog` decides: EOS, EOT,
    /// every token spelled like an end marker (`<|im_end|>`, `<|endoftext|>`, ...), and the
    /// fill-in-the-middle pad / repository / file-separator tokens.
    public let endOfGenerationTokens: Set<Int32>
    /// Control, user-defined and unknown tokens (those matched literally in text), ascending ids.
    public let specialTokens: [Int32]

    private let texts: [String]
    private let kinds: [TokenKind]
    private let vocabulary: ByteStringTable
    /// Bytes of every token's piece, concatenated; token `i` is `pieceBytes[pieceStart[i]..<pieceStart[i+1]]`.
    private let pieceBytes: [UInt8]
    private let pieceStart: [Int32]
    private let bpe: BPEModel
    private let splitter: SpecialTokenSplitter

    /// Builds the tokenizer from `tokenizer.ggml.{model, pre, tokens, merges, token_type}` and the
    /// `bos`/`eos`/`eot`/`padding` token ids.
    /// - Throws: `TokenizerError.unsupportedModel` unless the model is `gpt2` (byte-level BPE),
    ///   `.unsupportedPreTokenizer` for a `tokenizer.ggml.pre` other than those in
    ///   `PreTokenizer.supportedNames`, `.missingMetadata` / `.badVocabulary` /
    ///   `.tokenIDOutOfRange` for malformed metadata.
    public convenience init(gguf: GGUFFile) throws {
        try self.init(gguf: gguf, preTokenizerOverride: nil)
    }

    /// As `init(gguf:)`, with `tokenizer.ggml.pre` replaced by `preTokenizerOverride` when given (tests
    /// check every pre-tokenizer against llama.cpp on one real vocabulary this way).
    init(gguf: GGUFFile, preTokenizerOverride: PreTokenizer?) throws {
        guard let model = gguf.string("tokenizer.ggml.model") else {
            throw TokenizerError.missingMetadata("tokenizer.ggml.model")
        }
        guard model == "gpt2" else { throw TokenizerError.unsupportedModel(model) }
        if let pre = preTokenizerOverride {
            preTokenizer = pre
        } else {
            let preName = gguf.string("tokenizer.ggml.pre") ?? "default"
            guard let pre = PreTokenizer(ggufName: preName) else { throw TokenizerError.unsupportedPreTokenizer(preName) }
            preTokenizer = pre
        }

        guard let tokens = try? gguf.requireStringArray("tokenizer.ggml.tokens") else {
            throw TokenizerError.missingMetadata("tokenizer.ggml.tokens")
        }
        guard !tokens.isEmpty, tokens.count < Int(Int32.max) else {
            throw TokenizerError.badVocabulary("tokenizer.ggml.tokens has \(tokens.count) entries")
        }
        guard let merges = try? gguf.requireStringArray("tokenizer.ggml.merges") else {
            throw TokenizerError.missingMetadata("tokenizer.ggml.merges")
        }
        let n = tokens.count
        vocabSize = n
        texts = tokens

        var kinds = [TokenKind](repeating: .normal, count: n)
        if gguf.metadata["tokenizer.ggml.token_type"] != nil {
            guard let types = try? gguf.intArray("tokenizer.ggml.token_type") else {
                throw TokenizerError.missingMetadata("tokenizer.ggml.token_type")
            }
            guard types.count >= n else {
                throw TokenizerError.badVocabulary("token_type has \(types.count) entries for \(n) tokens")
            }
            for i in 0..<n { kinds[i] = TokenKind(rawValue: UInt8(clamping: max(0, types[i]))) ?? .undefined }
        }

        let vocabulary = ByteStringTable(keys: tokens)
        self.vocabulary = vocabulary

        // llama.cpp treats end-marker spellings as control tokens whatever their declared type.
        for name in Self.endOfGenerationNames + Self.fimEndNames {
            if let id = vocabulary.find(name) { kinds[Int(id)] = .control }
        }
        self.kinds = kinds

        func optionalID(_ key: String) throws -> Int32? {
            guard let v = gguf.int(key) else { return nil }
            guard v >= 0 && v < n else { throw TokenizerError.tokenIDOutOfRange(key: key, id: v, vocabSize: n) }
            return Int32(v)
        }
        bosToken = try optionalID("tokenizer.ggml.bos_token_id")
        eosToken = try optionalID("tokenizer.ggml.eos_token_id")
        paddingToken = try optionalID("tokenizer.ggml.padding_token_id")
        let eot = try optionalID("tokenizer.ggml.eot_token_id")
            ?? ["<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>"].lazy.compactMap { vocabulary.find($0) }.first
        endOfTurnToken = eot
        addBOS = gguf.metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? false

        var eog = Set<Int32>()
        for name in Self.endOfGenerationNames + Self.fimEndNames { if let id = vocabulary.find(name) { eog.insert(id) } }
        if let e = eosToken { eog.insert(e) }
        if let e = eot { eog.insert(e) }
        endOfGenerationTokens = eog

        // Pieces: normal tokens spell bytes; special ones are their own text; unused ones print nothing.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(n * 8)
        var starts = [Int32](repeating: 0, count: n + 1)
        var special: [SpecialTokenSplitter.Entry] = []
        for i in 0..<n {
            switch kinds[i] {
            case .normal, .byte:
                ByteLevel.decode(tokens[i], into: &bytes)
            case .control, .userDefined, .unknown:
                bytes.append(contentsOf: tokens[i].utf8)
                special.append(.init(id: Int32(i), bytes: Array(tokens[i].utf8), needsParseSpecial: kinds[i] != .userDefined))
            case .unused, .undefined:
                break
            }
            starts[i + 1] = Int32(bytes.count)
        }
        pieceBytes = bytes
        pieceStart = starts
        specialTokens = special.map(\.id)
        splitter = SpecialTokenSplitter(entries: special)
        bpe = BPEModel(merges: merges, vocabulary: vocabulary)
    }

    /// Spellings llama.cpp treats as end of generation (src/llama-vocab.cpp, `special_eog_ids`).
    /// Includes `</s>`, which llama.cpp treats as a control end marker even where the vocabulary
    /// lists it as a normal token (Qwen2.5 id 128247). Omits the gpt-oss / solar names, which need
    /// model-specific exceptions.
    static let endOfGenerationNames = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>",
        "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>",
        "<｜end▁of▁sentence｜>",
    ]
    /// Fill-in-the-middle pad, repository and file-separator spellings, also end of generation in llama.cpp.
    static let fimEndNames = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<|repo_name|>", "<fim-repo>", "<reponame>", "<|file_sep|>"]

    // MARK: - Encoding

    /// The token ids of `text`, without BOS/EOS.
    ///
    /// - Parameter parseSpecial: when true, control tokens such as `<|im_start|>` written in the text
    ///   become their single ids; when false they are tokenized as plain text. User-defined tokens
    ///   (e.g. `<tool_call>`) are always matched, as llama.cpp does.
    /// - Returns: ids in `0..<vocabSize`; empty for empty text.
    public func encode(_ text: String, parseSpecial: Bool = false) -> [Int32] {
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { encode(bytes: $0, parseSpecial: parseSpecial) } ?? []
    }

    private func encode(bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(bytes.count / 3 + 4)
        var scalars = ScalarText()
        var words: [Range<Int>] = []
        var scratch = BPEModel.Scratch()
        for fragment in splitter.split(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id):
                out.append(id)
            case .text(let range):
                scalars.load(UnsafeBufferPointer(rebasing: bytes[range]), base: range.lowerBound)
                words.removeAll(keepingCapacity: true)
                preTokenizer.split(scalars, into: &words)
                for w in words {
                    let word = UnsafeBufferPointer(rebasing: bytes[scalars.byteOffsets[w.lowerBound]..<scalars.byteOffsets[w.upperBound]])
                    if preTokenizer.ignoresMerges, let id = vocabulary.find(ByteLevel.encode(word)) {
                        out.append(id)
                    } else {
                        bpe.encodeWord(word, into: &out, scratch: &scratch)
                    }
                }
            }
        }
        return out
    }

    // MARK: - Decoding

    /// The bytes token `id` stands for: raw bytes for normal tokens, the text of control and
    /// user-defined tokens (empty for control/unknown tokens when `renderSpecial` is false), nothing
    /// for unused tokens or ids outside the vocabulary. May be part of a UTF-8 character.
    public func tokenBytes(_ id: Int32, renderSpecial: Bool = true) -> ArraySlice<UInt8> {
        guard id >= 0 && Int(id) < vocabSize else { return [] }
        if !renderSpecial {
            let k = kinds[Int(id)]
            if k == .control || k == .unknown { return [] }
        }
        return pieceBytes[Int(pieceStart[Int(id)])..<Int(pieceStart[Int(id) + 1])]
    }

    /// The text of `ids`. Bytes that do not form valid UTF-8 (a sequence cut inside a character)
    /// become U+FFFD. `renderSpecial` as in `tokenBytes(_:renderSpecial:)`.
    public func decode(_ ids: [Int32], renderSpecial: Bool = true) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids { bytes.append(contentsOf: tokenBytes(id, renderSpecial: renderSpecial)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Vocabulary

    /// The id of the vocabulary entry spelled exactly `text` (byte-level spelling, e.g. `"Ġthe"` for
    /// " the", or a special token such as `"<|im_end|>"`), or nil.
    public func tokenID(for text: String) -> Int32? { vocabulary.find(text) }

    /// The vocabulary spelling of token `id` (as stored in the GGUF), or nil when out of range.
    public func tokenText(_ id: Int32) -> String? {
        id >= 0 && Int(id) < vocabSize ? texts[Int(id)] : nil
    }

    /// The kind of token `id`, or nil when out of range.
    public func tokenKind(_ id: Int32) -> TokenKind? {
        id >= 0 && Int(id) < vocabSize ? kinds[Int(id)] : nil
    }

    /// Whether generation stops at `id` (see `endOfGenerationTokens`).
    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGenerationTokens.contains(id) }

    /// Merges in `tokenizer.ggml.merges` that can never apply because a part is not in the
    /// vocabulary (0 for well-formed vocabularies; llama.cpp would still apply them by string).
    public var unusableMergeCount: Int { bpe.unusableMerges }
}
