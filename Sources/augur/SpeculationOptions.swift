import ArgumentParser
import AugurEngine
import AugurModels
import AugurSampling
import AugurSpeculative
import AugurStore
import Foundation

extension DraftPolicyKind: ExpressibleByArgument {}

/// `--verifier` values as the CLI spells them.
enum VerifierChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, greedy, sampling, rrs, traversal
    case rrsWor = "rrs-wor"

    var method: VerificationMethod {
        switch self {
        case .auto: return .automatic
        case .greedy: return .greedy
        case .sampling: return .speculativeSampling
        case .rrs: return .rrs
        case .traversal: return .traversal
        case .rrsWor: return .rrsWithoutReplacement
        }
    }
}

extension DraftTreeKind: ExpressibleByArgument {}

/// How to draft and verify: the speculative-decoding flags shared by `generate`, `chat` and `bench`.
struct SpeculationOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Drafter: a model name or .gguf path with the target's vocabulary, `ngram` (prompt lookup) or `none` "
            + "(plain decoding). Default: the model's registered draft (qwen2.5-coder-0.5b-instruct for the default "
            + "model), else ngram.",
        valueName: "name|path|ngram|none"))
    var draft: String?

    @Option(help: "Longest draft per round (the fixed policy's k; 0 = plain decoding).")
    var draftMax: Int = SpeculationSettings().draftMax

    @Option(help: "Shortest draft when the adaptive policy drafts.")
    var draftMin: Int = SpeculationSettings().draftMin

    @Option(help: "A draft model stops drafting when its most likely token is less likely than this, in [0, 1].")
    var draftPMin: Float = SpeculationSettings().draftPMin

    @Option(help: "adaptive: draft length from measured costs and acceptance, plain decoding when drafting would not pay; fixed: always --draft-max.")
    var draftPolicy: DraftPolicyKind = .adaptive

    @Option(help: "greedy (temperature 0 only), sampling (lossless at any temperature), rrs (recursive rejection sampling; = sampling on chains), rrs-wor (rrs on sampled trees drawn without replacement), traversal (Traversal Verification; block verification on chains), or auto (greedy at temperature 0, else sampling; traversal for trees).")
    var verifier: VerifierChoice = .auto

    @Option(help: "none: draft chains; topk: draft trees verified in one tree-attention pass (dynamic top-k trees from the draft model; with prompt lookup, the continuations of up to --tree-topk earlier matches as branches); sampled: --tree-topk branches sampled from the draft model's distribution (temperature > 0; for the sampling verifiers).")
    var tree: DraftTreeKind = .none

    @Option(help: "Nodes per draft tree (1...63).")
    var treeTokens: Int = SpeculationSettings().treeTokens

    @Option(help: "Depth of a draft tree.")
    var treeDepth: Int = SpeculationSettings().treeDepth

    @Option(help: "Children per expanded tree node (prompt lookup: continuations per tree).")
    var treeTopk: Int = SpeculationSettings().treeTopK

    @Option(help: "Shortest n-gram prompt lookup matches.")
    var ngramMin: Int = SpeculationSettings().ngramMin

    @Option(help: "Longest n-gram prompt lookup matches.")
    var ngramMax: Int = SpeculationSettings().ngramMax

    @Option(help: "KV cache size of the draft model (default: --ctx); drafting stops near it.")
    var draftCtx: Int?

    @Option(help: ArgumentHelp(
        "Requantize the draft model's weights at load to make drafting cheaper (never changes the output, only "
            + "acceptance): none, q4_0, q4_1, q8_0 (every matrix) or q4_0-output (the output layer only).",
        valueName: "spec"))
    var draftRequant: String = Self.defaultDraftRequant

    static let defaultDraftRequant = "q4_0"

    /// The parsed --draft-requant.
    var draftLoadOptions: ModelLoadOptions? { ModelLoadOptions(spec: draftRequant) }

    var settings: SpeculationSettings {
        var s = SpeculationSettings()
        s.draftMax = draftMax
        s.draftMin = draftMin
        s.draftPMin = draftPMin
        s.policy = draftPolicy
        s.verifier = verifier.method
        s.ngramMin = ngramMin
        s.ngramMax = ngramMax
        s.draftContext = draftCtx
        s.tree = tree
        s.treeTokens = treeTokens
        s.treeDepth = treeDepth
        s.treeTopK = treeTopk
        return s
    }

    func validate() throws {
        guard draftLoadOptions != nil else {
            throw ValidationError("--draft-requant must be none, q4_0, q4_1, q8_0 or TYPE-output, got \(draftRequant)")
        }
        do {
            try settings.validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The drafter the flags name for `target` (`targetName` as given to --model), loading and
    /// checking a draft model's vocabulary; a label for the stats line.
    /// - Throws: `ValidationError` for a draft model whose vocabulary differs from the target's
    ///   (before any decoding), store and load errors.
    func resolveDraft(target: LoadedModel, targetName: String) throws -> (source: DraftSource, label: String) {
        let choice = draft ?? ModelRegistry.spec(named: targetName)?.defaultDraft ?? "ngram"
        switch choice {
        case "none": return (.none, "none")
        case "ngram": return (.ngram, "ngram")
        default:
            let path = try ModelStore().resolve(choice, pullIfMissing: true, progress: PullProgressPrinter().report)
            let loaded = try LoadedModel(path: path, options: draftLoadOptions ?? .none)
            do {
                try VocabularyCompatibility.check(target: target.tokenizer, draft: loaded.tokenizer)
            } catch let mismatch as VocabularyMismatch {
                throw ValidationError("draft model \(choice) cannot draft for \(targetName): \(mismatch) "
                                      + "(use --draft ngram, or a draft with the same vocabulary)")
            }
            return (.model(loaded.model), choice)
        }
    }

    /// The decode step for `target` under these flags, or nil for plain decoding.
    func makeStep(target: LoadedModel, targetName: String, sampling: SamplingParameters,
                  contextSize: Int) throws -> (step: (any DecodeStep)?, label: String) {
        _ = try makeVerifier(for: sampling, method: verifier.method)  // refuse bad pairs before loading a draft
        let (source, label) = try resolveDraft(target: target, targetName: targetName)
        let step = try settings.makeDecodeStep(target: target.model, draft: source, sampling: sampling, contextSize: contextSize)
        return (step, step == nil ? "none" : label)
    }
}
