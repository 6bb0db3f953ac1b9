import ArgumentParser
import AugurStore

/// `augur models`: lists the known models and what is in the model cache.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List known models and the models in the cache.")

    @Flag(help: "Print only the paths of cached models, one per line.")
    var paths = false

    func run() throws {
        let store = ModelStore()
        if paths {
            for m in store.cachedModels() where m.isComplete { print(m.path) }
        } else {
            print(store.listingText())
        }
    }
}
