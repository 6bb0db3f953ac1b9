/// Why a tokenizer could not be built from a GGUF file's `tokenizer.ggml.*` metadata.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A required metadata key is missing or has the wrong type.
    case missingMetadata(String)
    /// `tokenizer.ggml.model` is not `gpt2` (byte-level BPE), the only model Augur implements.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer Augur does not implement.
    case unsupportedPreTokenizer(String)
    /// The vocabulary is empty, or an array that must have one entry per token has another length.
    case badVocabulary(String)
    /// A special-token id (`bos`, `eos`, ...) is outside the vocabulary.
    case tokenIDOutOfRange(key: String, id: Int, vocabSize: Int)

    public var description: String {
        switch self {
        case .missingMetadata(let key):
            return "model file has no usable tokenizer metadata '\(key)'"
        case .unsupportedModel(let m):
            return "unsupported tokenizer model '\(m)': Augur implements byte-level BPE ('gpt2') only"
        case .unsupportedPreTokenizer(let p):
            let names = PreTokenizer.supportedNames.joined(separator: ", ")
            return "unsupported pre-tokenizer '\(p)' (tokenizer.ggml.pre); supported: \(names)"
        case .badVocabulary(let why):
            return "invalid tokenizer vocabulary: \(why)"
        case .tokenIDOutOfRange(let key, let id, let n):
            return "metadata '\(key)' = \(id) is outside the vocabulary of \(n) tokens"
        }
    }
}
