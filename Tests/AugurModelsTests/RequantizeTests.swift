import AugurGGUF
import AugurKernels
import AugurModels
import AugurTestSupport
import AugurTokenizer
import Foundation
import XCTest

/// Load-time requantization (`ModelLoadOptions`): which matrices convert, that the converted model
/// still predicts like the original, and (opt-in, `AUGUR_BENCH=1`) what it buys a speculative
/// draft: decode speed, step cost c against the 1.5B target, and greedy agreement.
final class RequantizeTests: XCTestCase {
    func testSpecParsing() {
        XCTAssertEqual(ModelLoadOptions(spec: "none"), ModelLoadOptions.none)
        XCTAssertNil(ModelLoadOptions.none.requantize)
        let all = ModelLoadOptions(spec: "Q4_0")
        XCTAssertEqual(all?.requantize, .q4_0)
        XCTAssertEqual(all?.requantizeLayers, true)
        XCTAssertEqual(all?.requantizeOutput, true)
        let head = ModelLoadOptions(spec: "q4_1-output")
        XCTAssertEqual(head?.requantize, .q4_1)
        XCTAssertEqual(head?.requantizeLayers, false)
        XCTAssertEqual(head?.requantizeOutput, true)
        for bad in ["", "q4_k", "q5_0", "q4_0-", "-output", "q4_0-outputs"] { XCTAssertNil(ModelLoadOptions(spec: bad), bad) }
        for spec in ["none", "q4_0", "q4_0-output", "q8_0", "q4_1-output"] {
            XCTAssertEqual(ModelLoadOptions(spec: spec)?.spec, spec)
        }
        XCTAssertEqual(ModelLoadOptions(requantize: .q4_0, output: false).spec, "q4_0-layers")
        let both = ModelLoadOptions(spec: "q4_0-output,vocab=32768")
        XCTAssertEqual(both?.vocabularyLimit, 32768)
        XCTAssertEqual(both?.requantize, .q4_0)
        XCTAssertEqual(both?.requantizeLayers, false)
        XCTAssertEqual(ModelLoadOptions(spec: "vocab=1000")?.requantize, nil)
        for bad in ["vocab=0", "vocab=x", "vocab=1,vocab=2", "q4_0,q4_1", "q4_0,"] { XCTAssertNil(ModelLoadOptions(spec: bad), bad) }
        for spec in ["q4_0,vocab=32768", "vocab=1000"] { XCTAssertEqual(ModelLoadOptions(spec: spec)?.spec, spec) }
    }

    /// A truncated vocabulary scores the first `limit` ids exactly as the full model does (same
    /// rows, same kernel), keeps the special tokens after them, and gives every other id −∞;
    /// with requantization too.
    func testVocabularyLimitKeepsHeadLogitsExactly() throws {
        let file = try GGUFFile(path: TestModels.path(TestModels.smol))
        let vocab = try TransformerModel(file: file).config.vocabSize
        let types = try XCTUnwrap(try file.intArray("tokenizer.ggml.token_type"))
        let tokens: [Int32] = [1, 504, 3458, 282, 4649, 314]
        for (requant, limit) in [(nil, 1000), (GGMLType.q4_0, 20000)] as [(GGMLType?, Int)] {
            let full = try TransformerModel(file: file, options: ModelLoadOptions(requantize: requant))
            let cut = try TransformerModel(file: file, options: ModelLoadOptions(requantize: requant, vocabularyLimit: limit))
            XCTAssertLessThan(cut.matrixByteCount, full.matrixByteCount)
            let a = try logits(full, tokens), b = try logits(cut, tokens)
            let tailStart = (limit..<types.count).first { types[$0] == 3 || types[$0] == 4 } ?? vocab
            for r in 0..<tokens.count {
                let o = r * vocab
                XCTAssertEqual(Array(b[o..<(o + limit)]), Array(a[o..<(o + limit)]), "row \(r)")
                XCTAssertTrue(b[(o + limit)..<(o + tailStart)].allSatisfy { $0 == -.infinity }, "row \(r)")
                let tailEnd = min(types.count, vocab)
                if tailStart < tailEnd { XCTAssertEqual(Array(b[(o + tailStart)..<(o + tailEnd)]), Array(a[(o + tailStart)..<(o + tailEnd)])) }
                XCTAssertTrue(b[(o + max(tailStart, tailEnd))..<(o + vocab)].allSatisfy { $0 == -.infinity })
            }
        }
    }

    /// SmolLM2 is Q4_1 (0.625 bytes/weight) with a tied Q8_0 output: Q8_0 converts nothing (no
    /// matrix is costlier), so the model and its logits are exactly the original ones.
    func testNoCostlierMatrixMeansNoChange() throws {
        let path = try TestModels.path(TestModels.smol)
        let plain = try loadModel(path: path)
        let q8 = try loadModel(path: path, options: ModelLoadOptions(requantize: .q8_0))
        XCTAssertEqual(q8.requantizedByteCount, 0)
        XCTAssertEqual(q8.matrixByteCount, plain.matrixByteCount)
        let tokens: [Int32] = [1, 504, 3458, 282, 4649, 314, 253, 1345]
        XCTAssertEqual(try logits(q8, tokens), try logits(plain, tokens))
    }

    /// The 0.5B's Q4_K matrices (some layers' ffn_down) are rearranged at load by default; the model
    /// reads as many bytes per step, and its logits differ from the stored layout's only as two
    /// roundings of the same 8-bit-activation products do. Measured (Nov 2026, 15 positions): mean
    /// |Δ| 0.049, max 0.49 — the scale of Augur vs llama.cpp (mean 0.07, max 0.41: an activation
    /// quant that rounds the other way in one layer moves the next layers' inputs by one step) —
    /// and the same greedy choice wherever the top two logits are 0.06 or more apart (one position
    /// with a 0.023 margin flips). A wrong sub-block scale or min moves logits by whole units.
    func testGroupedQ4KLayoutKeepsLogits() throws {
        let path = try TestModels.path(TestModels.qwenDraft)
        let file = try GGUFFile(path: path)
        let grouped = try TransformerModel(file: file)
        let stored = try TransformerModel(file: file, options: ModelLoadOptions(groupQ4K: false))
        let q4kBytes = file.tensorInfos.filter { $0.type == .q4_K && $0.name.hasPrefix("blk.") }.reduce(0) { $0 + $1.byteCount }
        XCTAssertGreaterThan(q4kBytes, 0)
        XCTAssertEqual(grouped.groupedByteCount, q4kBytes)
        XCTAssertEqual(stored.groupedByteCount, 0)
        XCTAssertEqual(grouped.matrixByteCount, stored.matrixByteCount)
        let tokens: [Int32] = [151644, 872, 198, 7985, 264, 13027, 729, 429, 4675, 279, 55129, 1372, 13, 151645, 198]
        let a = try grouped.forward(tokens, cache: grouped.makeCache(capacity: 32), rows: .all)
        let b = try stored.forward(tokens, cache: stored.makeCache(capacity: 32), rows: .all)
        var worst: Float = 0, sum: Double = 0, count = 0
        for p in 0..<tokens.count {
            let ra = Array(a.row(p)), rb = Array(b.row(p))
            for i in ra.indices {
                worst = max(worst, abs(ra[i] - rb[i]))
                sum += Double(abs(ra[i] - rb[i]))
                count += 1
            }
            let top = rb.sorted(by: >)
            if top[0] - top[1] > 0.25 {
                XCTAssertEqual(ra.indices.max { ra[$0] < ra[$1] }, rb.indices.max { rb[$0] < rb[$1] }, "greedy choice at \(p)")
            }
        }
        XCTAssertGreaterThan(worst, 0, "the layouts round differently (else this test proves nothing)")
        XCTAssertLessThan(sum / Double(count), 0.1)
        XCTAssertLessThan(worst, 1.0)
    }

    /// Q4_0 shrinks what a step reads by the expected bytes and keeps the predictions close:
    /// teacher-forced greedy agreement with the original on real text.
    func testQ4_0ShrinksWeightsAndKeepsPredictions() throws {
        let path = try TestModels.path(TestModels.smol)
        let file = try GGUFFile(path: path)
        let plain = try TransformerModel(file: file)
        let c = plain.config
        let all = try TransformerModel(file: file, options: ModelLoadOptions(requantize: .q4_0))
        let head = try TransformerModel(file: file, options: ModelLoadOptions(requantize: .q4_0, layers: false))
        let layersOnly = try TransformerModel(file: file, options: ModelLoadOptions(requantize: .q4_0, output: false))

        // Tied output: a Q4_0 copy of the Q8_0 embedding (the embedding itself stays mapped).
        let outputPlain = c.vocabSize * GGMLType.q8_0.byteCount(elements: c.embeddingLength)!
        let outputQ4 = c.vocabSize * GGMLType.q4_0.byteCount(elements: c.embeddingLength)!
        XCTAssertEqual(head.requantizedByteCount, outputQ4)
        XCTAssertEqual(head.matrixByteCount, plain.matrixByteCount - outputPlain + outputQ4)
        // Q4_1 → Q4_0 saves 2 of 20 bytes per block in every block matrix.
        let layerPlain = plain.matrixByteCount - outputPlain
        XCTAssertEqual(layersOnly.matrixByteCount - outputPlain, layerPlain / 20 * 18)
        XCTAssertEqual(all.requantizedByteCount, layerPlain / 20 * 18 + outputQ4)
        XCTAssertEqual(all.loadOptions.spec, "q4_0")

        let codec = try Tokenizer(gguf: file)
        let text = "The quick brown fox jumps over the lazy dog. In Swift, an array is a value type: copying one " +
            "gives an independent array, and the copy happens lazily, only when one of them is modified."
        let tokens = codec.encode(text)
        XCTAssertGreaterThan(tokens.count, 30)
        let reference = try greedyTargets(plain, tokens)
        // Measured (Nov 2026, 42 positions): top-1 agreement / reference in top-5: output only
        // 0.76 / 1.0; layers only 0.48 / 0.86; all 0.43 / 0.83. A 135M model loses much from
        // Q4_1 → Q4_0 in its blocks (asymmetric to symmetric grid); wrong conversions score ~0.
        for (name, model, top1, top5) in [("q4_0-output", head, 0.7, 0.9), ("q4_0-layers", layersOnly, 0.3, 0.7),
                                          ("q4_0", all, 0.3, 0.7)] {
            XCTAssertGreaterThan(try agreementRate(model, tokens, reference), top1, name)
            XCTAssertGreaterThan(try topKRate(model, tokens, reference, k: 5), top5, name)
        }
    }

    // MARK: opt-in measurement on the Qwen pair

    /// For each draft choice: load time added, decode tok/s, step cost c against the 1.5B target
    /// (interleaved, same process), and teacher-forced greedy agreement with the target's and the
    /// original draft's 64-token greedy continuations (the per-token acceptance a greedy verifier
    /// would see, to first order). Prints a table.
    func testDraftChoicesOnQwen() throws {
        guard ProcessInfo.processInfo.environment["AUGUR_BENCH"] != nil else { throw XCTSkip("set AUGUR_BENCH=1") }
        let draftPath = try TestModels.path(TestModels.qwenDraft)
        let target = try loadModel(path: TestModels.path(TestModels.qwenTarget))
        let draftFile = try GGUFFile(path: draftPath)
        let codec = try Tokenizer(gguf: draftFile)
        let template = ChatTemplate(gguf: draftFile)
        let prompts = [
            "Write a Python function that returns the n-th Fibonacci number iteratively.",
            "Explain what a mutex is and show a short C example that uses pthread_mutex_lock.",
            "Write a Swift struct for a 2-D point with a method that returns the distance to another point.",
        ].map { codec.encode(template.render([.user($0)], addGenerationPrompt: true), parseSpecial: true) }
        let steps = 64

        var choices: [(String, TransformerModel, Double)] = []
        for spec in ["none", "q4_0-output", "q4_0", "q4_1", "vocab=32768", "q4_0,vocab=32768", "q4_0,vocab=65536"] {
            let t = Date()
            let m = try TransformerModel(file: draftFile, options: ModelLoadOptions(spec: spec)!)
            choices.append((spec, m, Date().timeIntervalSince(t)))
        }
        let baseLoad = choices[0].2

        // Reference continuations.
        var targetSeqs: [[Int32]] = [], draftSeqs: [[Int32]] = []
        for p in prompts {
            targetSeqs.append(try greedyDecode(target, p, steps: steps).tokens)
            draftSeqs.append(try greedyDecode(choices[0].1, p, steps: steps).tokens)
        }
        // Interleaved timing: per round and prompt, the target then every draft choice.
        var targetStep: [Double] = [], draftStep = [[Double]](repeating: [], count: choices.count)
        for _ in 0..<2 {
            for p in prompts {
                targetStep.append(try greedyDecode(target, p, steps: steps).secondsPerStep)
                for (i, c) in choices.enumerated() { draftStep[i].append(try greedyDecode(c.1, p, steps: steps).secondsPerStep) }
            }
        }
        let tTarget = median(targetStep)
        print(String(format: "target 1.5B: %.1f tok/s (%.1f ms/step); %d prompts × %d greedy tokens, threads %d",
                     1 / tTarget, tTarget * 1e3, prompts.count, steps, target.matmul.threadCount))
        // Bound for greedy drafting of k = 4 tokens with i.i.d. acceptance α: τ = (1 − α^(k+1)) / (1 − α)
        // tokens per round at a cost of k·c + V target steps (V: verification of k + 1 rows, taken as 1.3).
        print("draft choice | matrix MB | load +s | tok/s | c | agree w/ target (α) | agree w/ orig draft | bound k=4, V=1.3")
        for (i, c) in choices.enumerated() {
            var vsTarget: [Double] = [], vsDraft: [Double] = []
            for (j, p) in prompts.enumerated() {
                vsTarget.append(try agreementRate(c.1, p + targetSeqs[j], Array(targetSeqs[j]), from: p.count))
                vsDraft.append(try agreementRate(c.1, p + draftSeqs[j], Array(draftSeqs[j]), from: p.count))
            }
            let t = median(draftStep[i]), alpha = mean(vsTarget), cost = t / tTarget
            let tau = (1 - pow(alpha, 5)) / (1 - alpha)
            print(String(format: "%@ | %.0f | %+.2f | %.1f | %.3f | %.3f | %.3f | %.2fx", c.0, Double(c.1.matrixByteCount) / 1e6,
                         c.2 - baseLoad, 1 / t, cost, alpha, mean(vsDraft), tau / (4 * cost + 1.3)))
        }
    }

    /// M = 1 product time of the 0.5B's output layer and one FFN matrix in their stored types and
    /// requantized, interleaved: whether the saved bytes turn into saved time (bandwidth-bound
    /// kernels) or not (compute-bound unpacking). Prints ms and GB/s per type.
    func testMatrixProductTimePerType() throws {
        guard ProcessInfo.processInfo.environment["AUGUR_BENCH"] != nil else { throw XCTSkip("set AUGUR_BENCH=1") }
        let file = try GGUFFile(path: TestModels.path(TestModels.qwenDraft))
        let ctx = MatmulContext()
        for name in ["output.weight", "blk.3.ffn_up.weight", "blk.3.ffn_down.weight"] {
            let stored = try WeightMatrix(file, name)
            var converted: [RequantizedMatrix] = []
            for type in [GGMLType.q4_0, .q4_1, .q8_0] {
                let t = Date()
                guard let r = RequantizedMatrix(stored, to: type, threads: 1) else { continue }
                let s = Date().timeIntervalSince(t)
                print(String(format: "convert %@ %@ → %@ on 1 thread: %.0f ms (%.1f ns/weight)", name, stored.type.description,
                             type.description, s * 1e3, s * 1e9 / Double(stored.rows * stored.cols)))
                converted.append(r)
            }
            let variants = [stored] + converted.map(\.matrix)
            let x = (0..<stored.cols).map { Float(sin(Double($0))) }
            var y = [Float](repeating: 0, count: stored.rows)
            var times = [[Double]](repeating: [], count: variants.count)
            for _ in 0..<15 {
                for (i, w) in variants.enumerated() {
                    let t = Date()
                    Matmul.multiply(w, x, rowCount: 1, into: &y, context: ctx)
                    times[i].append(Date().timeIntervalSince(t))
                }
            }
            withExtendedLifetime((file, converted)) {}  // the views above point into these
            for (i, w) in variants.enumerated() {
                let t = median(times[i]), bytes = Double(w.rowBytes * w.rows)
                print(String(format: "%@ %d×%d %@%@: %.2f ms, %.1f GB/s", name, w.rows, w.cols, w.type.description,
                             i == 0 ? " (stored)" : "", t * 1e3, bytes / t / 1e9))
            }
        }
    }

    // MARK: helpers

    func logits(_ m: TransformerModel, _ tokens: [Int32]) throws -> [Float] {
        try m.forward(tokens, cache: m.makeCache(capacity: tokens.count), rows: .all).values
    }

    /// Greedy next token after each prefix of `tokens`.
    func greedyTargets(_ m: TransformerModel, _ tokens: [Int32]) throws -> [Int32] {
        let l = try m.forward(tokens, cache: m.makeCache(capacity: tokens.count), rows: .all)
        return (0..<l.rowCount).map { Int32(argmax(l.row($0))) }
    }

    /// Fraction of positions `from..<tokens.count` whose greedy prediction from the prefix before
    /// them equals `expected` (one entry per such position), with `tokens` fed as one batch.
    func agreementRate(_ m: TransformerModel, _ tokens: [Int32], _ expected: [Int32], from start: Int) throws -> Double {
        let predicted = try greedyTargets(m, tokens)
        let n = tokens.count - start
        precondition(expected.count == n)
        let hits = (0..<n).filter { predicted[start - 1 + $0] == expected[$0] }.count
        return Double(hits) / Double(n)
    }

    /// Agreement of `m`'s greedy predictions with `reference` (another model's) over all positions.
    func agreementRate(_ m: TransformerModel, _ tokens: [Int32], _ reference: [Int32]) throws -> Double {
        let predicted = try greedyTargets(m, tokens)
        return Double(zip(predicted, reference).filter { $0 == $1 }.count) / Double(reference.count)
    }

    /// Fraction of positions where `reference`'s token is among `m`'s `k` highest logits.
    func topKRate(_ m: TransformerModel, _ tokens: [Int32], _ reference: [Int32], k: Int) throws -> Double {
        let l = try m.forward(tokens, cache: m.makeCache(capacity: tokens.count), rows: .all)
        var hits = 0
        for r in 0..<l.rowCount {
            let row = l.row(r)
            let v = row[row.startIndex + Int(reference[r])]
            if row.filter({ $0 > v }).count < k { hits += 1 }
        }
        return Double(hits) / Double(l.rowCount)
    }

    /// `steps` greedy tokens after `prompt` (one forward per token) and the mean seconds per step.
    func greedyDecode(_ m: TransformerModel, _ prompt: [Int32], steps: Int) throws -> (tokens: [Int32], secondsPerStep: Double) {
        let cache = m.makeCache(capacity: prompt.count + steps + 1)
        var logits = try m.forward(prompt, cache: cache, rows: .last)
        var out: [Int32] = []
        let t = Date()
        for _ in 0..<steps {
            let next = Int32(argmax(logits.row(0)))
            out.append(next)
            logits = try m.forward([next], cache: cache, rows: .last)
        }
        return (out, Date().timeIntervalSince(t) / Double(steps))
    }

    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
}
