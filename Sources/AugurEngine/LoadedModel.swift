import AugurGGUF
import AugurModels
import AugurTokenizer
import Foundation
import Logging

/// A model file opened for generation: the network, its tokenizer and its chat template, read from
/// one mapping of the GGUF file.
///
/// ```swift
/// let m = try LoadedModel(path: "~/.cache/augur/models/smollm2-135m-instruct.gguf")
/// let gen = m.makeGenerator()
/// ```
public final class LoadedModel {
    /// The file's path as given.
    public let path: String
    public let model: TransformerModel
    public let tokenizer: Tokenizer
    public let template: ChatTemplate

    /// Opens `path` with weights as stored.
    /// - Throws: `GGUFError` (missing or malformed file), `ModelError` (unsupported architecture or
    ///   configuration), `TokenizerError` (unsupported or malformed vocabulary).
    public convenience init(path: String) throws {
        try self.init(path: path, options: .none)
    }

    /// Opens `path`, preparing the weights as `options` says (e.g. `ModelLoadOptions(spec: "q4_0")`
    /// for a cheaper speculative draft).
    /// - Throws: as ``init(path:)``.
    public init(path: String, options: ModelLoadOptions) throws {
        let start = Date()
        let file = try GGUFFile(path: path)
        self.path = path
        model = try TransformerModel(file: file, options: options)
        tokenizer = try Tokenizer(gguf: file)
        template = ChatTemplate(gguf: file)
        let c = model.config
        Self.logger.info("loaded model", metadata: [
            "path": "\(path)", "architecture": "\(c.architecture)", "layers": "\(c.layerCount)",
            "hidden": "\(c.embeddingLength)", "heads": "\(c.headCount)/\(c.kvHeadCount)", "vocab": "\(c.vocabSize)",
            "tensors": "\(file.tensorInfos.count)", "weights": "\(options.spec)", "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(start)))",
        ])
    }

    private static let logger = Logger(label: "augur.engine")

    /// The training context length from the file's metadata.
    public var trainedContextLength: Int { model.config.contextLength }

    /// A generator over this model and tokenizer (plain decoding).
    public func makeGenerator() -> Generator {
        Generator(model: model, codec: tokenizer)
    }

    /// Token ids of a prompt: with `raw`, the text as is (BOS first when the model wants one,
    /// special-token spellings recognised); otherwise a one-turn chat rendered with the template
    /// (`system` nil: the template's default system prompt, if it has one).
    public func promptTokens(_ text: String, system: String?, raw: Bool) throws -> [Int32] {
        if raw { return try tokenizer.encodePrompt(text, parseSpecial: true) }
        var messages: [ChatMessage] = []
        if let s = system { messages.append(.system(s)) }
        messages.append(.user(text))
        return try tokenizer.encodePrompt(template.render(messages, addGenerationPrompt: true), parseSpecial: true)
    }
}
