import ArgumentParser
import AugurBench
import AugurEngine
import AugurKernels
import AugurStore
import Foundation

/// Plain throughput (`augur bench` without a comparison flag) and the kernel benchmark.
extension BenchCommand {
    /// Prefill and decode speed of the raw prompts, exactly `maxTokens` tokens per run.
    func runThroughput() throws {
        let maxTokens = self.maxTokens ?? 128
        let texts = try selectedPrompts(defaultPerCategory: 1) {
            [BenchPrompt(id: "prompt", category: "prompt", text: Self.defaultPrompt)]
        }.prompts.map(\.text)
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

    func runKernels() throws {
        if let t = modelOptions.threads { Matmul.defaultThreadCount = t }
        let (cases, files) = try KernelBenchmark.standardCases(directory: ModelStore().directory)
        guard !cases.isEmpty else {
            throw ValidationError("no cached models to benchmark; run `augur pull \(ModelOptions.defaultModel)`")
        }
        let result = withExtendedLifetime(files) { KernelBenchmark.run(cases: cases, threads: Matmul.defaultThreadCount) }
        writeOut(try benchJSON(result) + "\n")
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

    func jsonText() throws -> String { try benchJSON(self) }

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
func median(_ xs: [Double]) -> Double { benchMedian(xs) ?? 0 }
