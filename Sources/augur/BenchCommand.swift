import ArgumentParser
import AugurBench
import AugurEngine
import AugurKernels
import AugurSampling
import AugurSpeculative
import AugurStore
import Foundation

/// `augur bench`: decode speed of a model, AR against speculative decoding on prompt suites, greedy
/// identity checks, the cost of verifying M rows, or the matmul kernels.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure decoding speed: plain, speculative vs autoregressive, identity, verification cost.",
        discussion: """
            Modes:
              augur bench [--prompt TEXT | --prompts FILE]
                plain throughput: each run prefills the raw prompt and decodes exactly --max-tokens (128) tokens \
            greedily, ignoring end-of-turn tokens; medians over --runs.
              augur bench --suite spec-bench|code-edit | --prompts FILE | --prompt TEXT  [--draft LIST] [--compare]
                speculative comparison (chosen by --suite, --draft or --compare): AR plus each drafter in the \
            comma-separated --draft list (e.g. --draft qwen2.5-coder-0.5b-instruct,ngram; default: the model's \
            registered draft and ngram; an entry NAME@REQUANT, e.g. qwen2.5-coder-0.5b-instruct@q4_0, sets \
            --draft-requant for that drafter alone, so draft quantizations compare in one run). Prompts go through the chat template (--raw: as is); replies stop at \
            end-of-turn or --max-tokens (256). Each method's generator (and draft model) is built once; per prompt \
            the runs are interleaved in this process (AR, SD1, SD2, AR, …, --runs times) after one warm-up each. \
            Reports median decode and end-to-end tok/s, α, per-position acceptance, τ and speedups (median SD tok/s \
            over median AR tok/s) per prompt, per category and overall: a table, --json, --markdown FILE.
              augur bench --check-identity [--suite …|--prompts …] [--max-tokens 128]
                greedy AR against every drafter with the fixed and the adaptive policy, token for token; default \
            prompts: the first 2 of each Spec-Bench category (--per-category) and the code-edit suite. Exit status 1 \
            on any difference.
              augur bench --verify-cost [--draft LIST]
                the target's forward time over M = 1…16 new rows after a 100-token context (median of --reps, all \
            cases interleaved), as a ratio to M = 1, and each draft model's step cost c = draft M=1 time / target M=1 time.
              augur bench --kernels
                the matmul kernels on the cached models' weights (JSON).
            Progress goes to standard error, results to standard output.
            Spec-Bench questions are read from --spec-bench FILE, else $AUGUR_SPEC_BENCH, else \
            ../shared/data/spec_bench/question.jsonl (first turn of each question).
            """)

    static let defaultPrompt = "Write a Swift function that returns the n-th Fibonacci number, with a doc comment and a unit test."

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var speculation: SpeculationOptions

    @Option(help: ArgumentHelp("Prompt suite: spec-bench or code-edit.", valueName: "name"))
    var suite: String?

    @Option(name: .customLong("spec-bench"), help: ArgumentHelp("Spec-Bench question.jsonl to read.", valueName: "file"))
    var specBenchPath: String?

    @Option(help: "Spec-Bench questions per category (default 1; 2 with --check-identity).")
    var perCategory: Int?

    @Option(help: "Prompt text (default: a short coding request).")
    var prompt: String?

    @Option(help: ArgumentHelp("File with one prompt per line (blank lines skipped).", valueName: "file"))
    var prompts: String?

    @Option(help: "Most tokens to generate per run (default: 128 plain and --check-identity, 256 comparisons).")
    var maxTokens: Int?

    @Option(help: "Timed runs per prompt and method.")
    var runs: Int = 3

    @Flag(help: "Compare AR with speculative decoding (implied by --suite and --draft).")
    var compare = false

    @Flag(help: "Compare greedy AR and speculative outputs token for token.")
    var checkIdentity = false

    @Flag(help: "Time the target's forward over 1…16 rows and the draft's step cost.")
    var verifyCost = false

    @Option(help: "Repetitions per row count for --verify-cost (median; ≥ 5).")
    var reps: Int = 7

    @Flag(help: "Send comparison prompts without the chat template.")
    var raw = false

    @OptionGroup var sampler: SamplerOptions

    @Flag(help: "Print the report as JSON on standard output.")
    var json = false

    @Option(help: ArgumentHelp("Also write the comparison as Markdown tables to this file.", valueName: "file"))
    var markdown: String?

    @Flag(help: "Benchmark the matmul kernels instead of a model (JSON on standard output).")
    var kernels = false

    var sampling: SamplingParameters { sampler.sampling }

    /// Comparison mode: AR against drafters.
    var comparing: Bool { compare || suite != nil || speculation.draft != nil }

    func validate() throws {
        if let m = maxTokens, m < 1 { throw ValidationError("--max-tokens must be ≥ 1, got \(m)") }
        guard runs >= 1 else { throw ValidationError("--runs must be ≥ 1, got \(runs)") }
        guard reps >= 5 else { throw ValidationError("--reps must be ≥ 5, got \(reps)") }
        if let n = perCategory, n < 1 { throw ValidationError("--per-category must be ≥ 1, got \(n)") }
        if let s = suite {
            do { _ = try BenchSuite.named(s) } catch { throw ValidationError("\(error)") }
        }
        let sources = [suite != nil, prompt != nil, prompts != nil].filter { $0 }.count
        if sources > 1 { throw ValidationError("give one of --suite, --prompt and --prompts") }
        if [checkIdentity, verifyCost, kernels].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --check-identity, --verify-cost and --kernels")
        }
        do { try sampling.validate() } catch { throw ValidationError("\(error)") }
        if checkIdentity && !sampling.isGreedy {
            throw ValidationError("--check-identity compares greedy outputs; leave --temperature at 0")
        }
    }

    func run() throws {
        try reportingErrors {
            if kernels { return try runKernels() }
            if verifyCost { return try runVerifyCost() }
            if checkIdentity { return try runIdentityCheck() }
            if comparing { return try runComparison() }
            try runThroughput()
        }
    }

    /// The drafters named by --draft (a comma-separated list; `none` and `ar` entries skipped), by
    /// default the model's registered draft and ngram.
    var drafterNames: [String] {
        if let list = speculation.draft {
            return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && $0 != "none" && $0 != "ar" }
        }
        let registered = ModelRegistry.spec(named: modelOptions.model)?.defaultDraft
        return (registered.map { [$0] } ?? []) + ["ngram"]
    }

    /// The prompts of --suite, --prompts or --prompt, or `fallback` when none is given.
    func selectedPrompts(defaultPerCategory: Int, fallback: () throws -> [BenchPrompt]) throws -> (prompts: [BenchPrompt], source: String) {
        if let s = suite {
            let chosen = try BenchSuite.named(s)
            return (try chosen.prompts(perCategory: perCategory ?? defaultPerCategory, specBenchPath: specBenchPath), s)
        }
        if let file = prompts { return (try loadPromptLines(path: file), file) }
        if let text = prompt { return ([BenchPrompt(id: "prompt", category: "prompt", text: text)], "--prompt") }
        return (try fallback(), "default prompts")
    }

    /// Builds, once, a generator per drafter (draft models loaded once each) with `policy`.
    /// - Throws: `ValidationError` for an incompatible draft, load and settings errors.
    func makeDrafterGenerators(target: LoadedModel, policies: [DraftPolicyKind]) throws -> [(name: String, generator: Generator)] {
        _ = try makeVerifier(for: sampling, method: speculation.settings.verifier)  // refuse bad pairs before loading
        var methods: [(name: String, generator: Generator)] = []
        for entry in drafterNames {
            let (options, name) = try draftOptions(for: entry)
            let (source, _) = try options.resolveDraft(target: target, targetName: modelOptions.model)
            // Trees have no draft-length policy: one method per drafter.
            let isTree = speculation.settings.tree != .none
            for policy in isTree ? [policies[0]] : policies {
                var settings = speculation.settings
                settings.policy = policy
                let step = try settings.makeDecodeStep(target: target.model, draft: source, sampling: sampling,
                                                       contextSize: modelOptions.ctx)
                let label = isTree ? "\(name)/tree" : policies.count > 1 ? "\(name)/\(policy.rawValue)" : name
                methods.append((label, Generator(model: target.model, codec: target.tokenizer, step: step)))
            }
        }
        return methods
    }

    /// The speculation flags for one --draft entry `NAME[@REQUANT]` (REQUANT overrides
    /// --draft-requant for that entry, so one run compares draft quantizations), and the method's
    /// label (the entry, with the global --draft-requant appended for a model drafter).
    /// - Throws: `ValidationError` for an unknown requantization.
    func draftOptions(for entry: String) throws -> (options: SpeculationOptions, label: String) {
        var options = speculation
        let parts = entry.split(separator: "@", maxSplits: 1).map(String.init)
        options.draft = parts[0]
        var label = entry
        if parts.count == 2 {
            options.draftRequant = parts[1]
            guard options.draftLoadOptions != nil else {
                throw ValidationError("--draft \(entry): the requantization after @ must be none, q4_0, q4_1, q8_0 or TYPE-output")
            }
        } else if parts[0] != "ngram" && speculation.draftRequant != SpeculationOptions.defaultDraftRequant {
            label += "@" + speculation.draftRequant
        }
        return (options, label)
    }

    /// Writes `text` to the --markdown file, if one was given.
    func writeMarkdown(_ text: String) throws {
        guard let path = markdown else { return }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(path): \(error.localizedDescription)")
        }
        printError("wrote \(path)")
    }
}
