import Foundation
import XCTest

/// Locates the real models tests run on.
///
/// Models live in the Augur model cache (`AUGUR_MODELS_DIR`, default `~/.cache/augur/models`) as
/// `<name>.gguf`. Tests that need a model call `TestModels.path(_:)`, which skips the test when the
/// model is not cached. `.ci/run` pulls all three models before running the tests.
public enum TestModels {
    public static let smol = "smollm2-135m-instruct"
    public static let qwenTarget = "qwen2.5-coder-1.5b-instruct"
    public static let qwenDraft = "qwen2.5-coder-0.5b-instruct"

    public static var directory: String {
        if let d = ProcessInfo.processInfo.environment["AUGUR_MODELS_DIR"], !d.isEmpty { return d }
        return NSHomeDirectory() + "/.cache/augur/models"
    }

    /// The cached file of model `name`, or an `XCTSkip` when it is not cached.
    public static func path(_ name: String) throws -> String {
        let p = directory + "/" + name + ".gguf"
        guard FileManager.default.fileExists(atPath: p) else {
            throw XCTSkip("model \(name) is not cached at \(p); run `augur pull \(name)`")
        }
        return p
    }
}
