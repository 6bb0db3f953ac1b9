import ArgumentParser
import AugurEngine
import AugurSpeculative
import AugurTokenizer
import Foundation

/// `augur chat`: an interactive multi-turn conversation that reuses the KV cache between turns.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a model, one user message per line of standard input.",
        discussion: """
            Each reply is printed to standard output; a stats line per turn goes to standard error. \
            /reset starts over, /exit or end of input quits. Works with piped input too. Only the new part \
            of the conversation is run through the model each turn (the rest stays in the KV cache).
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var speculation: SpeculationOptions

    @Option(help: "System message (default: the template's own, if any).")
    var system: String?

    @Flag(help: "Do not print the stats line after each reply.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            let loaded = try modelOptions.load()
            let (step, label) = try speculation.makeStep(target: loaded, targetName: modelOptions.model,
                                                         sampling: sampling.parameters.sampling, contextSize: modelOptions.ctx)
            let generator = Generator(model: loaded.model, codec: loaded.tokenizer, step: step)
            let chat = ChatSession(generator: generator, renderer: loaded.template,
                                   contextSize: modelOptions.ctx, messages: system.map { [.system($0)] } ?? [])
            let interactive = isatty(0) != 0
            while true {
                if interactive { printError("> ", newline: false) }
                guard let line = readLine(strippingNewline: true) else { break }
                let message = line.trimmingCharacters(in: .whitespaces)
                if message.isEmpty { continue }
                if message == "/exit" || message == "/quit" { break }
                if message == "/reset" { chat.reset(); continue }
                do {
                    let r = try chat.respond(to: message, parameters: sampling.parameters, onText: writeOut)
                    if !r.text.hasSuffix("\n") { writeOut("\n") }
                    if !quiet {
                        printError(r.stats.summary)
                        if let m = r.stats.speculation { printError("draft \(label) | " + m.summary) }
                    }
                } catch let e as GenerationError {
                    if case .promptTooLong = e {
                        printError("error: \(e) (the conversation is full; /reset starts over)")
                    } else {
                        throw e
                    }
                }
            }
        }
    }
}

private func printError(_ message: String, newline: Bool) {
    FileHandle.standardError.write(Data((message + (newline ? "\n" : "")).utf8))
}
