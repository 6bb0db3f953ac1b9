import AugurEngine
import AugurModels
import AugurSampling
import AugurSpeculative
import AugurTestSupport
import XCTest

/// Greedy identity on the real models: at temperature 0 speculative output equals autoregressive
/// output token for token (vLLM #7627 and mlx-lm #1423 are the bugs this guards against), for the
/// 1.5B target with the 0.5B draft and with prompt lookup, 5 prompts × 64 tokens. One prompt is
/// longer than the model's 64-row forward chunk, so prefill and rollbacks cross a chunk boundary.
/// `augur bench --check-identity` runs the same comparison on more prompts and longer outputs.
final class GreedyIdentityTests: XCTestCase {
    static let prompts = [
        "Write a Python function that returns the square of a number.",
        "List three primary colors.",
        "Explain what a hash map is in two sentences.",
        "Rewrite this Swift code to use a guard statement:\nfunc f(x: Int?) -> Int {\n    if let x = x {\n        return x * 2\n    } else {\n        return 0\n    }\n}",
        """
        Here is a C function. Add a doc comment and rename the variables to be descriptive; answer with the whole function.
        int f(int *a, int n) {
            int s = 0;
            for (int i = 0; i < n; i++) {
                if (a[i] % 2 == 0) s += a[i];
            }
            return s;
        }
        """,
    ]

    func testQwenDraftModelAndPromptLookupMatchGreedyDecoding() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.qwenTarget))
        let draft = try loadModel(path: TestModels.path(TestModels.qwenDraft))
        let params = GenerationParameters(maxTokens: 64, ignoreEndOfGeneration: true)
        var settings = SpeculationSettings()
        settings.policy = .fixed
        settings.draftMax = 4
        var longest = 0
        var totals: [String: SpeculationMetrics] = [:]
        for text in Self.prompts {
            let prompt = try loaded.promptTokens(text, system: nil, raw: false)
            longest = max(longest, prompt.count)
            let plain = try loaded.makeGenerator()
                .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 512), parameters: params)
            XCTAssertEqual(plain.tokens.count, 64)
            for (label, source) in [("0.5B draft", DraftSource.model(draft)), ("ngram", .ngram)] {
                let step = try XCTUnwrap(settings.makeStep(target: loaded.model, draft: source, sampling: params.sampling,
                                                           contextSize: 512))
                let spec = try Generator(model: loaded.model, codec: loaded.tokenizer, step: step)
                    .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 512), parameters: params)
                XCTAssertEqual(spec.tokens, plain.tokens, "\(label): \(text.prefix(40))")
                totals[label] = (totals[label] ?? SpeculationMetrics()).merged(with: try XCTUnwrap(spec.stats.speculation))
            }
        }
        XCTAssertGreaterThan(longest, 64, "one prompt must span two forward chunks")
        for (label, m) in totals.sorted(by: { $0.key < $1.key }) {
            print(String(format: "%@: α %.3f, τ %.3f", label, m.acceptanceRate ?? 0, m.meanAcceptedLength ?? 0))
        }
        XCTAssertGreaterThan(totals["0.5B draft"]!.acceptanceRate!, 0.3)
        XCTAssertGreaterThan(totals["ngram"]!.accepted, 0)
    }

    /// Token trees: a dynamic top-k tree from the 0.5B draft, verified with tree attention in one
    /// target pass, emits exactly the greedy tokens (same 5 prompts × 64 tokens).
    func testQwenDraftTreesMatchGreedyDecoding() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.qwenTarget))
        let draft = try loadModel(path: TestModels.path(TestModels.qwenDraft))
        let params = GenerationParameters(maxTokens: 64, ignoreEndOfGeneration: true)
        var settings = SpeculationSettings()
        settings.tree = .topk
        settings.policy = .fixed
        settings.treeTokens = 6
        settings.treeDepth = 3
        settings.treeTopK = 2
        var total = SpeculationMetrics()
        for text in Self.prompts {
            let prompt = try loaded.promptTokens(text, system: nil, raw: false)
            let plain = try loaded.makeGenerator()
                .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 512), parameters: params)
            let step = try XCTUnwrap(settings.makeDecodeStep(target: loaded.model, draft: .model(draft),
                                                             sampling: params.sampling, contextSize: 512))
            XCTAssertTrue(step is TreeSpeculativeStep)
            let spec = try Generator(model: loaded.model, codec: loaded.tokenizer, step: step)
                .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 512), parameters: params)
            XCTAssertEqual(spec.tokens, plain.tokens, "tree: \(text.prefix(40))")
            total = total.merged(with: try XCTUnwrap(spec.stats.speculation))
        }
        print(String(format: "0.5B tree: α %.3f, τ %.3f", total.acceptanceRate ?? 0, total.meanAcceptedLength ?? 0))
        XCTAssertGreaterThan(total.meanAcceptedLength!, 1.5, "trees must accept more than one token per pass on average")
    }

    /// Sampled tree verification on a real model runs, repeats from its seed, and refuses greedy
    /// verification at T > 0 and out-of-range tree sizes (also for prompt-lookup trees, which it builds).
    func testSampledTreesRepeatAndBadTreeSettingsAreRefused() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.smol))
        let draft = try loadModel(path: TestModels.path(TestModels.smol))
        let prompt = try loaded.promptTokens("Tell me a short story about a cat.", system: nil, raw: false)
        let sampling = SamplingParameters(temperature: 0.9, topP: 0.95, seed: 5)
        for method in [VerificationMethod.traversal, .rrs] {
            var settings = SpeculationSettings()
            settings.tree = .topk
            settings.policy = .fixed
            settings.verifier = method
            func run() throws -> [Int32] {
                let step = try XCTUnwrap(settings.makeDecodeStep(target: loaded.model, draft: .model(draft),
                                                                 sampling: sampling, contextSize: 256))
                return try Generator(model: loaded.model, codec: loaded.tokenizer, step: step)
                    .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 256),
                              parameters: GenerationParameters(maxTokens: 32, sampling: sampling, ignoreEndOfGeneration: true)).tokens
            }
            let a = try run()
            XCTAssertEqual(a.count, 32)
            XCTAssertEqual(try run(), a, "\(method)")
        }
        // Sampled multi-draft trees (q travels with the tree) under each sampling verifier.
        for method in [VerificationMethod.rrs, .rrsWithoutReplacement, .traversal] {
            var settings = SpeculationSettings()
            settings.tree = .sampled
            settings.policy = .fixed
            settings.treeTopK = 3
            settings.treeDepth = 2
            settings.verifier = method
            func run() throws -> (tokens: [Int32], metrics: SpeculationMetrics) {
                let step = try XCTUnwrap(settings.makeDecodeStep(target: loaded.model, draft: .model(draft),
                                                                 sampling: sampling, contextSize: 256))
                let r = try Generator(model: loaded.model, codec: loaded.tokenizer, step: step)
                    .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 256),
                              parameters: GenerationParameters(maxTokens: 32, sampling: sampling, ignoreEndOfGeneration: true))
                return (r.tokens, try XCTUnwrap(r.stats.speculation))
            }
            let a = try run()
            XCTAssertEqual(a.tokens.count, 32)
            XCTAssertEqual(try run().tokens, a.tokens, "sampled tree, \(method)")
            // SmolLM2 drafting for itself at the same temperature: most sampled branches agree with the target.
            XCTAssertGreaterThan(a.metrics.meanAcceptedLength ?? 0, 1.3, "sampled tree, \(method)")
        }
        var greedyTree = SpeculationSettings()
        greedyTree.tree = .sampled
        XCTAssertThrowsError(try greedyTree.makeDecodeStep(target: loaded.model, draft: .model(draft), sampling: .greedy, contextSize: 256))
        XCTAssertThrowsError(try greedyTree.makeDecodeStep(target: loaded.model, draft: .ngram, sampling: sampling, contextSize: 256))

        var settings = SpeculationSettings()
        settings.tree = .topk
        settings.verifier = .greedy
        XCTAssertThrowsError(try settings.makeDecodeStep(target: loaded.model, draft: .model(draft), sampling: sampling, contextSize: 256))
        settings.verifier = .automatic
        XCTAssertTrue(try settings.makeDecodeStep(target: loaded.model, draft: .ngram, sampling: sampling, contextSize: 256)
                      is TreeSpeculativeStep)
        settings.treeTokens = 64
        XCTAssertThrowsError(try settings.makeDecodeStep(target: loaded.model, draft: .model(draft), sampling: sampling, contextSize: 256))
        XCTAssertThrowsError(try settings.makeDecodeStep(target: loaded.model, draft: .ngram, sampling: sampling, contextSize: 256))
    }

    /// Reproducibility: same files, settings, seed, threads and the fixed policy give the same tokens
    /// run after run, also when sampling (the draft model's sampler and the verifier draw from streams
    /// fixed by the seed); another seed gives another text.
    func testSampledSpeculationRepeatsRunAfterRun() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.smol))
        let draft = try loadModel(path: TestModels.path(TestModels.smol))
        var settings = SpeculationSettings()
        settings.policy = .fixed
        settings.draftMax = 3
        let prompt = try loaded.promptTokens("Tell me a short story about a cat.", system: nil, raw: false)
        func run(seed: UInt64) throws -> [Int32] {
            let sampling = SamplingParameters(temperature: 0.9, topP: 0.95, seed: seed)
            let step = try XCTUnwrap(settings.makeStep(target: loaded.model, draft: .model(draft), sampling: sampling,
                                                       contextSize: 256))
            return try Generator(model: loaded.model, codec: loaded.tokenizer, step: step)
                .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 256),
                          parameters: GenerationParameters(maxTokens: 40, sampling: sampling, ignoreEndOfGeneration: true)).tokens
        }
        let a = try run(seed: 11)
        XCTAssertEqual(a.count, 40)
        XCTAssertEqual(try run(seed: 11), a)
        XCTAssertNotEqual(try run(seed: 12), a)
    }
}
