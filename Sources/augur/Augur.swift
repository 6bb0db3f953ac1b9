import ArgumentParser

/// The `augur` command line: generation, chat, benchmarks and the model cache.
@main
struct Augur: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augur",
        abstract: "A CPU LLM inference engine for GGUF models (Qwen2.5, SmolLM2).",
        discussion: """
            `augur PROMPT` is `augur generate PROMPT`. Models are named as in `augur models` (pulled into \
            the cache on first use) or given as a path to a .gguf file.
            """,
        version: "0.1.0",
        subcommands: [GenerateCommand.self, ChatCommand.self, ServeCommand.self, BenchCommand.self, PullCommand.self, ModelsCommand.self],
        defaultSubcommand: GenerateCommand.self)
}
