import ArgumentParser
import AugurBench
import AugurEngine
import AugurKernels
import Foundation

/// `augur bench --suite …` / `--draft …` / `--compare`: AR against speculative decoding.
extension BenchCommand {
    /// Runs every prompt with AR and each drafter, interleaved, and reports medians and speedups.
    ///
    /// Honesty rules: one process, one target model and KV cache for all methods; each method's
    /// generator (and draft model) built once and reused over prompts; one untimed warm-up
    /// generation per method on a short prompt; per prompt the timed runs alternate AR, SD1, SD2, … so slow drifts of the
    /// machine hit every method alike; medians over runs; speedups are ratios of those medians.
    func runComparison() throws {
        let selection = try selectedPrompts(defaultPerCategory: 1) {
            [BenchPrompt(id: "prompt", category: "prompt", text: Self.defaultPrompt)]
        }
        let loaded = try modelOptions.load()
        let drafters = try makeDrafterGenerators(target: loaded, policies: [speculation.draftPolicy])
        guard !drafters.isEmpty else {
            throw ValidationError("nothing to compare with AR: --draft names no drafter")
        }
        let methods = [(name: "ar", generator: loaded.makeGenerator())] + drafters
        let cache = loaded.model.makeCache(capacity: modelOptions.ctx)
        let parameters = GenerationParameters(maxTokens: maxTokens ?? 256, sampling: sampling)
        let ids = try selection.prompts.map { try loaded.promptTokens($0.text, system: nil, raw: raw) }

        printError("methods: \(methods.map(\.name).joined(separator: ", ")); \(selection.prompts.count) prompts × \(runs) runs")
        // Pages in the weights and lets the adaptive policy measure its costs (a short prompt, so a
        // long first question is not prefilled once more per method).
        let warmUpIds = try loaded.promptTokens(Self.defaultPrompt, system: nil, raw: raw)
        var warmUp = parameters
        warmUp.maxTokens = min(parameters.maxTokens, 16)
        for m in methods { try m.generator.generate(prompt: warmUpIds, cache: cache, parameters: warmUp) }

        var comparisons: [PromptComparison] = []
        for (i, p) in selection.prompts.enumerated() {
            var stats = Array(repeating: [GenerationStats](), count: methods.count)
            var tokens = Array(repeating: [Int32](), count: methods.count)
            for r in 0..<runs {
                for (j, m) in methods.enumerated() {
                    let result = try m.generator.generate(prompt: ids[i], cache: cache, parameters: parameters)
                    stats[j].append(result.stats)
                    if r == 0 { tokens[j] = result.tokens }
                    printError("[\(i + 1)/\(selection.prompts.count) \(p.category)/\(p.id)] run \(r + 1)/\(runs) "
                               + "\(m.name): " + Self.progress(result.stats))
                }
            }
            comparisons.append(PromptComparison(
                id: p.id, category: p.category, baseline: (stats[0], tokens[0]),
                others: (1..<methods.count).map { (methods[$0].name, stats[$0], tokens[$0]) }))
        }

        let setup = ComparisonReport.Setup(
            model: modelOptions.model, methods: methods.map(\.name), draftPolicy: speculation.draftPolicy.rawValue,
            draftMax: speculation.draftMax, threads: Matmul.defaultThreadCount, maxTokens: parameters.maxTokens,
            runs: runs, temperature: sampler.temperature, source: selection.source)
        let report = ComparisonReport(setup: setup, prompts: comparisons)
        try writeMarkdown(report.markdown())
        writeOut(json ? try report.jsonText() + "\n" : report.table())
    }

    /// `256 tokens, decode 14.2 tok/s, e2e 12.9 tok/s, α 0.81, τ 3.10`.
    static func progress(_ s: GenerationStats) -> String {
        var line = "\(s.generatedTokens) tokens, decode " + String(format: "%.1f", s.decodeTokensPerSecond)
            + " tok/s, e2e " + String(format: "%.1f", s.endToEndTokensPerSecond) + " tok/s"
        if let m = s.speculation {
            line += ", α " + (m.acceptanceRate.map { String(format: "%.2f", $0) } ?? "-")
                + ", τ " + (m.meanAcceptedLength.map { String(format: "%.2f", $0) } ?? "-")
        }
        return line
    }
}
