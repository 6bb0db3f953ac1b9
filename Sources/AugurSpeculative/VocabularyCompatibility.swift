import AugurTokenizer

/// Why a draft model cannot draft for a target: their token ids do not mean the same strings.
public enum VocabularyMismatch: Error, Equatable, CustomStringConvertible {
    /// The vocabularies' sizes differ by more than the allowed padding.
    case sizeDifference(target: Int, draft: Int, allowed: Int)
    /// Shared id `id` spells `target` in the target vocabulary and `draft` in the draft's.
    case tokenDiffers(id: Int32, target: String, draft: String)
    /// A special token (`"BOS"`, `"EOS"`, `"EOT"`) has different ids (nil: absent).
    case specialTokenDiffers(name: String, target: Int32?, draft: Int32?)
    /// One model expects a BOS token in front of prompts and the other does not.
    case addBOSDiffers(target: Bool, draft: Bool)

    public var description: String {
        func show(_ id: Int32?) -> String { id.map { String($0) } ?? "none" }
        switch self {
        case .sizeDifference(let t, let d, let a):
            return "vocabulary sizes differ too much: target \(t) tokens, draft \(d) tokens (at most \(a) extra allowed)"
        case .tokenDiffers(let id, let t, let d):
            return "token \(id) differs: target \(t.debugDescription), draft \(d.debugDescription)"
        case .specialTokenDiffers(let name, let t, let d):
            return "\(name) token differs: target \(show(t)), draft \(show(d))"
        case .addBOSDiffers(let t, let d):
            return "add-BOS setting differs: target \(t), draft \(d)"
        }
    }
}

/// Whether a draft model's tokens can be fed to and verified by a target model id for id.
///
/// Same rule as llama.cpp's `common_speculative_are_compatible` (`common/speculative.cpp`): sizes
/// may differ by a few padding ids (the larger vocabulary's extra ids are never drafted by the
/// smaller one, or never produced by a well-trained target), every id both have must spell the same
/// string, and the BOS / EOS / end-of-turn tokens and the add-BOS setting must agree. Unlike
/// llama.cpp, every shared id is compared (about 150k string compares for Qwen2.5: milliseconds).
public enum VocabularyCompatibility {
    /// Most extra ids the larger vocabulary may have (llama.cpp's `SPEC_VOCAB_MAX_SIZE_DIFFERENCE`).
    public static let defaultAllowedSizeDifference = 128

    /// - Throws: `VocabularyMismatch` describing the first difference found (sizes, then special
    ///   tokens, then the lowest differing id).
    public static func check(target: Tokenizer, draft: Tokenizer,
                             allowedSizeDifference: Int = defaultAllowedSizeDifference) throws {
        if abs(target.vocabSize - draft.vocabSize) > allowedSizeDifference {
            throw VocabularyMismatch.sizeDifference(target: target.vocabSize, draft: draft.vocabSize,
                                                    allowed: allowedSizeDifference)
        }
        let specials: [(String, Int32?, Int32?)] = [
            ("BOS", target.bosToken, draft.bosToken),
            ("EOS", target.eosToken, draft.eosToken),
            ("EOT", target.endOfTurnToken, draft.endOfTurnToken),
        ]
        for (name, t, d) in specials where t != d {
            throw VocabularyMismatch.specialTokenDiffers(name: name, target: t, draft: d)
        }
        if target.addBOS != draft.addBOS {
            throw VocabularyMismatch.addBOSDiffers(target: target.addBOS, draft: draft.addBOS)
        }
        for i in 0..<Int32(min(target.vocabSize, draft.vocabSize)) {
            let t = target.tokenText(i) ?? "", d = draft.tokenText(i) ?? ""
            if t != d { throw VocabularyMismatch.tokenDiffers(id: i, target: t, draft: d) }
        }
    }
}
