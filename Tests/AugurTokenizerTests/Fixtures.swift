import AugurGGUF
import AugurTestSupport
@testable import AugurTokenizer
import Foundation
import XCTest

/// The reference data written by scripts/make-tokenizer-fixtures.py (llama.cpp via
/// llama-cpp-python, and jinja2 for chat templates).
struct TokenizerFixtures: Decodable {
    struct Vocab: Decodable {
        let plain: [[Int32]]
        let special: [[Int32]]
        let n_tokens: Int
        let bos: Int32
        let eos: Int32
        let eog: [Int32]
    }

    let strings: [String]
    let special_indices: [Int]
    let vocabs: [String: Vocab]

    struct Chat: Decodable {
        let model: String
        let messages: [[String]]
        let add_generation_prompt: Bool
        let expected: String
    }

    static func url(_ name: String) throws -> URL {
        guard let dir = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
            throw XCTSkip("test resources not found")
        }
        let url = dir.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("fixture \(name) missing; run scripts/make-tokenizer-fixtures.py")
        }
        return url
    }

    static let shared: Result<TokenizerFixtures, Error> = Result {
        try JSONDecoder().decode(TokenizerFixtures.self, from: Data(contentsOf: url("tokenizer-fixtures.json")))
    }

    static func load() throws -> TokenizerFixtures { try shared.get() }

    static func chats() throws -> [Chat] {
        try JSONDecoder().decode([Chat].self, from: Data(contentsOf: url("chat-template-fixtures.json")))
    }
}

/// Tokenizers of the cached models, loaded once per test process.
enum LoadedTokenizers {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: Tokenizer] = [:]

    /// The tokenizer of cached model `name`; skips the test when the model is not cached.
    static func get(_ name: String) throws -> Tokenizer {
        let path = try TestModels.path(name)
        lock.lock()
        defer { lock.unlock() }
        if let t = cache[name] { return t }
        let t = try Tokenizer(gguf: GGUFFile(path: path))
        cache[name] = t
        return t
    }
}
