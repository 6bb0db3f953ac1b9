import ArgumentParser
import AugurEngine
import AugurKernels
import AugurStore
import Foundation

/// `augur bench`: prefill and decode speed of a model (median over runs), or the matmul kernels.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prefill and decode tokens per second (medians over runs).",
        discussion: """
            Each run prefills the prompt text (raw, no chat template) into an empty KV cache and decodes \
            exactly --max-tokens tokens greedily, ignoring end-of-turn tokens. A short untimed warm-up run \
            comes first. --kernels instead measures the matrix kernels on the cached models' weights.
            """)

    static let defaultPrompt = "Write a Swift function that returns the n-th Fibonacci number, with a doc comment and a unit test."

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Prompt text (default: a short coding request).")
    var prompt: String?

    @Option(help: ArgumentHelp("File with one prompt per line (blank lines skipped).", valueName: "file"))
    var prompts: String?

    @Option(help: "Tokens to decode per run.")
    var maxTokens: Int = 128

    @Option(help: "Timed runs per prompt.")
    var runs: Int = 3

    @Flag(help: "Print the report as JSON on standard output.")
    var json = false

    @Flag(help: "Benchmark the matmul kernels instead of a model (JSON on standard output).")
    var kernels = false

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be ≥ 1, got \(maxTokens)") }
        guard runs >= 1 else { throw ValidationError("--runs must be ≥ 1, got \(runs)") }
        if prompt != nil && prompts != nil { throw ValidationError("give either --prompt or --prompts, not both") }
    }

    func run() throws {
        try reportingErrors {
            if kernels { return try runKernels() }
            let texts = try promptTexts()
            let loaded = try modelOptions.load()
            let generator = loaded.makeGenerator()
            let cache = loaded.model.makeCache(capacity: modelOptions.ctx)
            let parameters = GenerationParameters(maxTokens: maxTokens, ignoreEndOfGeneration: true)
            var results: [BenchReport.PromptResult] = []
            for text in texts {
                let ids = try loaded.promptTokens(text, system: nil, raw: true)
                var warmUp = parameters  // pages the weights in; a few tokens suffice
                warmUp.maxTokens = min(maxTokens, 8)
                try generator.generate(prompt: ids, cache: cache, parameters: warmUp)
                var samples: [GenerationStats] = []
                for i in 0..<runs {
                    let s = try generator.generate(prompt: ids, cache: cache, parameters: parameters).stats
                    samples.append(s)
                    if !json { printError("run \(i + 1)/\(runs): \(s.summary)") }
                }
                results.append(BenchReport.PromptResult(prompt: text, runs: samples))
            }
            let report = BenchReport(model: modelOptions.model, path: loaded.path, threads: Matmul.defaultThreadCount,
                                     contextSize: modelOptions.ctx, maxTokens: maxTokens, prompts: results)
            if json {
                writeOut(try report.jsonText() + "\n")
            } else {
                writeOut(report.table())
            }
        }
    }

    private func promptTexts() throws -> [String] {
        guard let file = prompts else { return [prompt ?? Self.defaultPrompt] }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read prompts file \(file)")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !lines.isEmpty else { throw ValidationError("prompts file \(file) has no prompts") }
        return lines
    }

    private func runKernels() throws {
        if let t = modelOptions.threads { Matmul.defaultThreadCount = t }
        let (cases, files) = try KernelBenchmark.standardCases(directory: ModelStore().directory)
        guard !cases.isEmpty else {
            throw ValidationError("no cached models to benchmark; run `augur pull \(ModelOptions.defaultModel)`")
        }
        let result = withExtendedLifetime(files) { KernelBenchmark.run(cases: cases, threads: Matmul.defaultThreadCount) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        writeOut(String(decoding: try encoder.encode(result), as: UTF8.self) + "\n")
    }
}

/// What `augur bench` measured: per prompt, every run's stats and the medians.
struct BenchReport: Codable {
    struct PromptResult: Codable {
        var prompt: String
        var promptTokens: Int
        var generatedTokens: Int
        /// Medians over the timed runs, tokens per second.
        var prefillTokensPerSecond: Double
        var decodeTokensPerSecond: Double
        var endToEndTokensPerSecond: Double
        var runs: [GenerationStats]

        init(prompt: String, runs: [GenerationStats]) {
            self.prompt = prompt
            self.runs = runs
            promptTokens = runs.first?.promptTokens ?? 0
            generatedTokens = runs.first?.generatedTokens ?? 0
            prefillTokensPerSecond = median(runs.map(\.prefillTokensPerSecond))
            decodeTokensPerSecond = median(runs.map(\.decodeTokensPerSecond))
            endToEndTokensPerSecond = median(runs.map(\.endToEndTokensPerSecond))
        }
    }

    var model: String
    var path: String
    var threads: Int
    var contextSize: Int
    var maxTokens: Int
    /// Medians over every run of every prompt, tokens per second.
    var prefillTokensPerSecond: Double
    var decodeTokensPerSecond: Double
    var prompts: [PromptResult]

    init(model: String, path: String, threads: Int, contextSize: Int, maxTokens: Int, prompts: [PromptResult]) {
        self.model = model
        self.path = path
        self.threads = threads
        self.contextSize = contextSize
        self.maxTokens = maxTokens
        self.prompts = prompts
        prefillTokensPerSecond = median(prompts.flatMap { $0.runs.map(\.prefillTokensPerSecond) })
        decodeTokensPerSecond = median(prompts.flatMap { $0.runs.map(\.decodeTokensPerSecond) })
    }

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func table() -> String {
        func f(_ x: Double) -> String { String(format: "%8.1f", x) }
        var s = "model \(model) (\(threads) threads)\n"
        s += "prompt tokens  generated  prefill tok/s  decode tok/s  end-to-end tok/s\n"
        for p in prompts {
            s += String(format: "%13d  %9d", p.promptTokens, p.generatedTokens)
            s += "       \(f(p.prefillTokensPerSecond))      \(f(p.decodeTokensPerSecond))          \(f(p.endToEndTokensPerSecond))\n"
        }
        s += "median prefill \(f(prefillTokensPerSecond)) tok/s, decode \(f(decodeTokensPerSecond)) tok/s\n"
        return s
    }
}

/// The median of `xs` (0 when empty).
func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
