import ArgumentParser
import AugurEngine
import AugurSpeculative
import Foundation

/// `augur generate`: one prompt in, streamed text out, a stats line on stderr.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a reply to a prompt (from the argument, -f FILE, or standard input).",
        discussion: """
            By default the prompt is a user message in the model's chat template (Qwen adds its default \
            system prompt unless --system is given); --raw sends the text as is. Decoding is greedy by default and stops \
            at an end-of-turn token, a --stop string, --max-tokens (512) or a full context (--ctx, 4096). \
            Decoding is speculative by default (--draft): a drafter proposes tokens and the model verifies them in one \
            pass, losslessly — the output is the model's own (token for token at temperature 0). \
            The text goes to standard output as it is generated; stats lines (with the acceptance rate α and the mean \
            accepted length τ) go to standard error.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var speculation: SpeculationOptions

    @Flag(help: "Also decode the prompt plainly (no drafting) and print the measured speedup.")
    var compareAr = false

    @Option(help: "System message (default: the template's own, if any).")
    var system: String?

    @Flag(help: "Send the prompt text without the chat template.")
    var raw = false

    @Option(name: .customShort("f"), help: ArgumentHelp("Read the prompt from this file.", valueName: "file"))
    var file: String?

    @Argument(help: "The prompt (default: -f FILE, else standard input).")
    var prompt: String?

    func validate() throws {
        if prompt != nil && file != nil { throw ValidationError("give the prompt either as an argument or with -f, not both") }
        if raw && system != nil { throw ValidationError("--system has no effect with --raw") }
    }

    func run() throws {
        try reportingErrors {
            let text = try readPrompt()
            let loaded = try modelOptions.load()
            let ids = try loaded.promptTokens(text, system: system, raw: raw)
            let (step, label) = try speculation.makeStep(target: loaded, targetName: modelOptions.model,
                                                         sampling: sampling.parameters.sampling, contextSize: modelOptions.ctx)
            let generator = Generator(model: loaded.model, codec: loaded.tokenizer, step: step)
            let cache = loaded.model.makeCache(capacity: modelOptions.ctx)
            let result = try generator.generate(prompt: ids, cache: cache, parameters: sampling.parameters, onText: writeOut)
            // End the reply's line so the stats line (stderr) never sticks to it in a shared stream.
            if !result.text.hasSuffix("\n") { writeOut("\n") }
            printError(result.stats.summary)
            if let m = result.stats.speculation { printError("draft \(label) | " + m.summary) }
            if compareAr {
                let plain = try loaded.makeGenerator().generate(prompt: ids, cache: cache, parameters: sampling.parameters)
                printError("plain decoding: " + plain.stats.summary)
                printError(Self.comparison(speculative: result, plain: plain, greedy: sampling.parameters.sampling.isGreedy))
            }
        }
    }

    /// `speedup 1.42x decode, 1.31x end-to-end | same tokens: yes`.
    static func comparison(speculative s: GenerationResult, plain p: GenerationResult, greedy: Bool) -> String {
        func ratio(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.2fx", a / b) : "-" }
        var line = "speedup \(ratio(s.stats.decodeTokensPerSecond, p.stats.decodeTokensPerSecond)) decode, "
            + "\(ratio(s.stats.endToEndTokensPerSecond, p.stats.endToEndTokensPerSecond)) end-to-end"
        if greedy {
            if s.tokens == p.tokens {
                line += " | same tokens: yes (\(s.tokens.count))"
            } else {
                let i = ChatSession.commonPrefixLength(s.tokens, p.tokens)
                line += " | same tokens: NO, first difference at token \(i)"
            }
        }
        return line
    }

    private func readPrompt() throws -> String {
        let text: String
        if let p = prompt {
            text = p
        } else if let f = file {
            // FileHandle reads pipes and devices too (-f /dev/stdin, process substitution).
            guard let handle = FileHandle(forReadingAtPath: f) else {
                throw ValidationError("cannot read prompt file \(f): \(String(cString: strerror(errno)))")
            }
            defer { try? handle.close() }
            text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        } else {
            if isatty(0) != 0 { printError("reading the prompt from standard input (end with Ctrl-D)…") }
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        // A file or a pipe usually ends in a newline that is not part of a chat message.
        return raw ? text : String(text.reversed().drop { $0.isNewline }.reversed())
    }
}
