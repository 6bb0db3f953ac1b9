import ArgumentParser
import AugurBench
import AugurEngine
import AugurSpeculative
import Foundation

/// `augur bench --check-identity`: greedy speculative output must be the target's, token for token.
extension BenchCommand {
    /// One prompt and one speculative method compared with AR.
    struct IdentityResult: Codable {
        var prompt: String
        var method: String
        var arTokens: Int
        var tokens: Int
        /// First index where the outputs differ; nil when identical.
        var firstDifference: Int?
    }

    /// Decodes each prompt greedily with AR, then with every drafter under the fixed and the adaptive
    /// policy, and compares the tokens. Prints one line per prompt and method and
    /// `N/N identical`; exits with status 1 on any difference.
    func runIdentityCheck() throws {
        let selection = try selectedPrompts(defaultPerCategory: 2) {
            let n = perCategory ?? 2
            return try BenchSuite.specBench.prompts(perCategory: n, specBenchPath: specBenchPath) + CodeEditSuite.prompts
        }
        let loaded = try modelOptions.load()
        let drafters = try makeDrafterGenerators(target: loaded, policies: [.fixed, .adaptive])
        guard !drafters.isEmpty else { throw ValidationError("nothing to check: --draft names no drafter") }
        let ar = loaded.makeGenerator()
        let cache = loaded.model.makeCache(capacity: modelOptions.ctx)
        let parameters = GenerationParameters(maxTokens: maxTokens ?? 128, sampling: .greedy)
        printError("checking \(selection.prompts.count) prompts × \(drafters.count) methods "
                   + "(\(drafters.map(\.name).joined(separator: ", "))) against AR, \(parameters.maxTokens) tokens each")

        var results: [IdentityResult] = []
        for p in selection.prompts {
            let ids = try loaded.promptTokens(p.text, system: nil, raw: raw)
            let reference = try ar.generate(prompt: ids, cache: cache, parameters: parameters).tokens
            for m in drafters {
                let out = try m.generator.generate(prompt: ids, cache: cache, parameters: parameters).tokens
                let r = IdentityResult(prompt: "\(p.category)/\(p.id)", method: m.name, arTokens: reference.count,
                                       tokens: out.count, firstDifference: AugurBench.firstDifference(reference, out))
                results.append(r)
                let line: String
                if let i = r.firstDifference {
                    let a = i < reference.count ? "\(reference[i])" : "end", b = i < out.count ? "\(out[i])" : "end"
                    line = "DIFF \(r.prompt) \(m.name): first difference at token \(i) of \(reference.count) (AR \(a), SD \(b))"
                } else {
                    line = "ok   \(r.prompt) \(m.name): \(out.count) tokens identical"
                }
                if json { printError(line) } else { writeOut(line + "\n") }
            }
        }
        let same = results.filter { $0.firstDifference == nil }.count
        let summary = "\(same)/\(results.count) identical"
        if json {
            struct Report: Codable { var identical: Int; var total: Int; var maxTokens: Int; var results: [IdentityResult] }
            let report = Report(identical: same, total: results.count, maxTokens: parameters.maxTokens, results: results)
            writeOut(try benchJSON(report) + "\n")
            printError(summary)
        } else {
            writeOut(summary + "\n")
        }
        if same != results.count { throw ExitCode.failure }
    }
}
