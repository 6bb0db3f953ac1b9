import ArgumentParser
import AugurBench
import AugurEngine
import AugurKernels
import AugurModels
import Dispatch
import Foundation

/// `augur bench --verify-cost`: what verifying M draft tokens costs the target, and what a draft
/// step costs relative to a target step (c in speedup ≤ τ / (k·c + V(k+1)), issue 4).
extension BenchCommand {
    struct VerifyCostReport: Codable {
        struct Row: Codable {
            /// New rows in the forward (the last accepted token plus M − 1 draft tokens).
            var rows: Int
            var seconds: Double
            /// seconds / seconds at M = 1.
            var ratio: Double
        }
        struct DraftCost: Codable {
            var draft: String
            /// The draft model's single-token forward, seconds.
            var seconds: Double
            /// c = draft seconds / target seconds at M = 1.
            var c: Double
        }
        var model: String
        var threads: Int
        var contextTokens: Int
        var reps: Int
        var target: [Row]
        var drafts: [DraftCost]
    }

    static let verifyContextTokens = 100
    static let verifyMaxRows = 16

    func runVerifyCost() throws {
        let loaded = try modelOptions.load()
        // Real text: the first code-edit prompt, raw; the context is its first 100 tokens and the
        // rows are the tokens that follow.
        let text = CodeEditSuite.prompts[0].text
        let ids = try loaded.promptTokens(text, system: nil, raw: true)
        let n = Self.verifyContextTokens, maxRows = Self.verifyMaxRows
        guard ids.count >= n + maxRows else { throw ValidationError("verify-cost text too short (\(ids.count) tokens)") }
        let context = Array(ids[..<n]), extra = Array(ids[n..<(n + maxRows)])

        var draftModels: [(name: String, model: any LanguageModel)] = []
        for entry in drafterNames where entry != "ngram" {
            let (options, label) = try draftOptions(for: entry)
            if case .model(let draft) = try options.resolveDraft(target: loaded, targetName: modelOptions.model).source {
                draftModels.append((label, draft))
            }
        }
        printError("timing \(modelOptions.model): forward over M = 1…\(maxRows) rows after \(n) tokens"
                   + (draftModels.isEmpty ? "" : " and each draft's step") + ", interleaved, median of \(reps)")
        let cases = (1...maxRows).map { (model: loaded.model as any LanguageModel, rows: Array(extra[..<$0])) }
            + draftModels.map { (model: $0.model, rows: [extra[0]]) }
        let times = try Self.interleavedForwardSeconds(cases: cases, context: context, reps: reps)
        let rows = (0..<maxRows).map { VerifyCostReport.Row(rows: $0 + 1, seconds: times[$0], ratio: times[$0] / times[0]) }
        let drafts = draftModels.indices.map { i in
            VerifyCostReport.DraftCost(draft: draftModels[i].name, seconds: times[maxRows + i], c: times[maxRows + i] / times[0])
        }

        let report = VerifyCostReport(model: modelOptions.model, threads: Matmul.defaultThreadCount, contextTokens: n,
                                      reps: reps, target: rows, drafts: drafts)
        if json {
            writeOut(try benchJSON(report) + "\n")
            return
        }
        var out = "target \(modelOptions.model), \(report.threads) threads, \(n)-token context, median of \(reps)\n"
        out += " M   ms/forward   x M=1\n"
        for r in rows { out += String(format: "%2d   %10.2f   %5.2f\n", r.rows, r.seconds * 1e3, r.ratio) }
        for d in drafts { out += "draft \(d.draft): " + String(format: "%.2f ms per step, c = %.3f\n", d.seconds * 1e3, d.c) }
        if drafts.isEmpty { out += "no draft model named (ngram drafts at no model cost)\n" }
        writeOut(out)
    }

    /// Median seconds of `case.model.forward(case.rows)` (logits for every row, as verification
    /// asks) after `context` is in that model's cache, for every case. Within each repetition the
    /// cases run one after the other (the order rotated each time), so load changes on the machine hit all of them alike; each
    /// forward's positions are cut from the cache after it. Repetition 0 is an untimed warm-up.
    static func interleavedForwardSeconds(cases: [(model: any LanguageModel, rows: [Int32])], context: [Int32],
                                          reps: Int) throws -> [Double] {
        var caches: [ObjectIdentifier: KVCache] = [:]
        for c in cases where caches[ObjectIdentifier(c.model)] == nil {
            let longest = cases.filter { $0.model === c.model }.map(\.rows.count).max() ?? 0
            let cache = c.model.makeCache(capacity: context.count + longest + 1)
            _ = try c.model.forward(context, cache: cache, rows: .none)
            caches[ObjectIdentifier(c.model)] = cache
        }
        var times = Array(repeating: [Double](), count: cases.count)
        for rep in 0...reps {
            for j in 0..<cases.count {
                let i = (j + rep) % cases.count  // rotate the order so no case always follows the same one
                let c = cases[i]
                let cache = caches[ObjectIdentifier(c.model)]!
                let start = DispatchTime.now()
                _ = try c.model.forward(c.rows, cache: cache, rows: .all)
                let t = seconds(start, DispatchTime.now())
                cache.truncate(to: context.count)
                if rep > 0 { times[i].append(t) }
            }
        }
        return times.map { benchMedian($0) ?? 0 }
    }
}
