import AugurStore
import Foundation
import XCTest

/// Locates the real models tests run on.
///
/// Models live in the Augur model cache (`AUGUR_MODELS_DIR`, default `~/.cache/augur/models`) as
/// `<name>.gguf`. Tests that need a model call `TestModels.path(_:)`. The small model (SmolLM2,
/// 94 MiB) is pulled into the cache when missing; the Qwen models are skipped when missing (they are
/// large: `.ci/run` pulls all three before running the tests).
public enum TestModels {
    public static let smol = "smollm2-135m-instruct"
    public static let qwenTarget = "qwen2.5-coder-1.5b-instruct"
    public static let qwenDraft = "qwen2.5-coder-0.5b-instruct"

    public static var directory: String { ModelStore.defaultDirectory }

    /// Serialises pulls between tests of one process.
    private static let pullLock = NSLock()

    /// The cached file of model `name` (a verified size for known models).
    ///
    /// SmolLM2 is pulled when missing (progress as plain lines on standard error); if that pull
    /// fails (no network), the test is skipped with the reason. Other models throw `XCTSkip` when
    /// they are not cached.
    public static func path(_ name: String) throws -> String {
        let store = ModelStore(directory: directory)
        if store.isCached(name) { return store.path(for: name) }
        guard name == smol else {
            throw XCTSkip("model \(name) is not cached at \(store.path(for: name)); run `augur pull \(name)`")
        }
        pullLock.lock()
        defer { pullLock.unlock() }
        let printer = PullProgressPrinter(isTerminal: false)
        let deadline = Date().addingTimeInterval(600)
        while true {
            do {
                return try store.pull(name, progress: printer.report)
            } catch ModelStoreError.pullInProgress where Date() < deadline {
                Thread.sleep(forTimeInterval: 2)  // another test process is pulling it: wait for it
            } catch {
                throw XCTSkip("model \(name) is not cached and pulling it failed: \(error)")
            }
        }
    }
}
