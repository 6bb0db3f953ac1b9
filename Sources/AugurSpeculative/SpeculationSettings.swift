import AugurEngine
import AugurModels
import AugurSampling

/// Where draft tokens come from.
public enum DraftSource {
    /// No drafting: plain autoregressive decoding.
    case none
    /// Prompt lookup over prompt + output (`PromptLookupDrafter`).
    case ngram
    /// A draft model sharing the target's vocabulary (check with `VocabularyCompatibility` first).
    case model(any LanguageModel)
}

/// Whether drafts are chains or token trees (`--tree`).
public enum DraftTreeKind: String, Sendable, Codable, CaseIterable {
    /// Chains of up to `draftMax` tokens (``SpeculativeStep``).
    case none
    /// Token trees verified in one target pass (``TreeSpeculativeStep``): dynamic top-k trees from a
    /// draft model (``DraftModelTreeDrafter``), or with prompt lookup the continuations of several
    /// earlier matches merged into a trie (``PromptLookupTreeDrafter``).
    case topk
    /// Sampled multi-draft trees from a draft model (SpecInfer/SpecTr): `--tree-topk` children of
    /// the root drawn from q, each continued as a sampled chain; temperature > 0 only. Drawn without
    /// replacement under `--verifier rrs-wor`, with replacement otherwise.
    case sampled
}

/// Speculative-decoding settings; each field mirrors one `augur generate` flag (and, later, one field
/// of the server's `speculative` object), so the CLI, `augur bench` and the server build the same
/// decode step from the same values.
public struct SpeculationSettings: Sendable, Equatable {
    /// `--draft-max`: longest draft per round (the fixed policy's constant k).
    public var draftMax: Int = 8
    /// `--draft-min`: shortest draft when the adaptive policy drafts at all.
    public var draftMin: Int = 1
    /// `--draft-p-min`: a draft model stops when its top probability falls below this (llama.cpp's
    /// `--draft-p-min`). Off by default: the adaptive policy picks the length from measured acceptance,
    /// and on this CPU a stop costs a draft forward that proposed nothing (measured: 0.75 made the
    /// 0.5B draft for the 1.5B slower than plain decoding on code, 0 gave 1.10x).
    public var draftPMin: Float = 0
    /// `--draft-policy`.
    public var policy: DraftPolicyKind = .adaptive
    /// `--verifier` (automatic: greedy at temperature 0, speculative sampling otherwise).
    public var verifier: VerificationMethod = .automatic
    /// `--ngram-min` / `--ngram-max`: n-gram sizes of prompt lookup.
    public var ngramMin: Int = 1
    public var ngramMax: Int = 3
    /// `--draft-ctx`: positions of the draft model's KV cache (nil: the target's context size).
    /// Drafting stops near this limit; decoding goes on plainly.
    public var draftContext: Int?
    /// `--tree`: chains (none) or draft trees (topk: top-k trees from a draft model, or several n-gram
    /// continuations as branches with prompt lookup).
    public var tree: DraftTreeKind = .none
    /// `--tree-tokens`: nodes per tree (root excluded), 1...63 (one forward batch holds 64 rows); the
    /// adaptive policy picks among 0, ¼, ½ and all of it by measured cost (``makeTreeSizePolicy()``).
    public var treeTokens: Int = 8
    /// `--tree-depth`: deepest node.
    public var treeDepth: Int = 4
    /// `--tree-topk`: children per expanded node and frontier width (prompt lookup: continuations per tree).
    public var treeTopK: Int = 2

    public init() {}

    /// Checks the ranges.
    /// - Throws: `SpeculationSettingsError` naming the flag.
    public func validate() throws {
        guard draftMax >= 0 else { throw SpeculationSettingsError("--draft-max must be ≥ 0, got \(draftMax)") }
        guard draftMin >= 0 else { throw SpeculationSettingsError("--draft-min must be ≥ 0, got \(draftMin)") }
        guard draftMin <= max(draftMax, 1) else {
            throw SpeculationSettingsError("--draft-min (\(draftMin)) must not exceed --draft-max (\(draftMax))")
        }
        guard (0...1).contains(draftPMin) else { throw SpeculationSettingsError("--draft-p-min must be in [0, 1], got \(draftPMin)") }
        guard ngramMin >= 1, ngramMax >= ngramMin else {
            throw SpeculationSettingsError("n-gram sizes need 1 ≤ --ngram-min ≤ --ngram-max, got \(ngramMin)...\(ngramMax)")
        }
        if let c = draftContext, c < 2 { throw SpeculationSettingsError("--draft-ctx must be ≥ 2, got \(c)") }
        guard (1...63).contains(treeTokens) else { throw SpeculationSettingsError("--tree-tokens must be in 1...63, got \(treeTokens)") }
        guard treeDepth >= 1 else { throw SpeculationSettingsError("--tree-depth must be ≥ 1, got \(treeDepth)") }
        guard treeTopK >= 1 else { throw SpeculationSettingsError("--tree-topk must be ≥ 1, got \(treeTopK)") }
    }

    /// The draft-length policy these settings ask for.
    public func makePolicy() -> any DraftLengthPolicy {
        switch policy {
        case .fixed: return FixedDraftLength(draftMax)
        case .adaptive: return AdaptiveDraftLength(minimum: max(1, draftMin), maximum: max(1, draftMax))
        }
    }

    /// The decode step for `target` with drafts from `source`, or nil for plain decoding
    /// (`source == .none` or `draftMax == 0`: k = 0 is autoregressive decoding).
    ///
    /// At temperature 0 a draft model drafts greedily (q one-hot); otherwise it samples with the same
    /// sampler chain as the target (q = its processed distribution), seeded from `sampling.seed` so runs
    /// repeat.
    /// - Parameters:
    ///   - contextSize: the target's KV cache capacity (the draft cache's default size).
    /// - Throws: `SpeculationSettingsError` (bad ranges), `VerificationError.greedyWithTemperature`
    ///   (greedy verifier at T > 0), `SamplingError` (bad sampling parameters).
    public func makeStep(target: any LanguageModel, draft source: DraftSource, sampling: SamplingParameters,
                         contextSize: Int) throws -> SpeculativeStep? {
        try validate()
        let verifier = try makeVerifier(for: sampling, method: verifier)
        let lengthPolicy = makePolicy()
        let drafter: any Drafter
        switch source {
        case .none: return nil
        case .ngram:
            drafter = PromptLookupDrafter(options: .init(minN: ngramMin, maxN: ngramMax, maxDraft: draftMax))
        case .model(let model):
            let sampler = sampling.isGreedy ? nil : try Self.draftSampler(for: sampling)
            let modelDrafter = DraftModelDrafter(model: model, capacity: draftContext ?? contextSize, sampler: sampler, pMin: draftPMin)
            if let adaptive = lengthPolicy as? AdaptiveDraftLength {
                // It may never draft: leave the prompt to the first draft, and start from the draft-model prior.
                modelDrafter.defersPrefill = true
                adaptive.acceptancePrior = AdaptiveDraftLength.draftModelAcceptancePrior
            }
            drafter = modelDrafter
        }
        guard draftMax > 0 else { return nil }
        return SpeculativeStep(model: target, drafter: drafter, verifier: verifier, policy: lengthPolicy)
    }

    /// The draft model's sampler at temperature > 0: the target's sampler chain on its own random
    /// stream, fixed by the seed.
    static func draftSampler(for sampling: SamplingParameters) throws -> Sampler {
        var draftSampling = sampling
        draftSampling.seed = sampling.seed ^ 0x5DEE_CE66_D1CE_4E5B
        return try Sampler(parameters: draftSampling)
    }

    /// The tree-size policy these settings ask for: ``FixedTreeSize`` (`treeTokens` every round) under
    /// the fixed policy, ``AdaptiveTreeSize`` (0, ¼, ½ or all of `treeTokens` by measured seconds per
    /// token) under the adaptive one.
    public func makeTreeSizePolicy() -> any TreeSizePolicy {
        policy == .fixed ? FixedTreeSize(treeTokens) : AdaptiveTreeSize(maximum: treeTokens)
    }

    /// The decode step these settings ask for: a ``TreeSpeculativeStep`` when `tree` is set, else
    /// ``makeStep(target:draft:sampling:contextSize:)``'s chain step; nil for plain decoding.
    ///
    /// Trees: with a draft model, ``DraftModelTreeDrafter`` (`treeTopK`, `treeDepth`); with `.ngram`,
    /// ``PromptLookupTreeDrafter`` (branches = `treeTopK`, depth = `treeDepth`, maxNodes = `treeTokens`,
    /// n-gram sizes `ngramMin...ngramMax`). At most `treeTokens` nodes per tree either way.
    /// - Throws: as `makeStep`; `SpeculationSettingsError` for out-of-range tree settings or when a
    ///   tree is asked of a model without tree attention (the target, and a draft model);
    ///   `TreeVerificationError.greedyWithTemperature`.
    public func makeDecodeStep(target: any LanguageModel, draft source: DraftSource, sampling: SamplingParameters,
                               contextSize: Int) throws -> (any DecodeStep)? {
        guard tree != .none else {
            return try makeStep(target: target, draft: source, sampling: sampling, contextSize: contextSize)
        }
        try validate()
        let verifier = try makeTreeVerifier(for: sampling, method: verifier)
        switch source {
        case .none: return nil
        case .ngram:
            guard tree == .topk else { throw SpeculationSettingsError("--tree sampled needs a draft model (--draft NAME)") }
            guard let treeTarget = target as? any TreeLanguageModel else {
                throw SpeculationSettingsError("--tree: this model has no tree attention")
            }
            let drafter = PromptLookupTreeDrafter(vocabularySize: target.config.vocabSize, minN: ngramMin, maxN: ngramMax,
                                                  branches: treeTopK, depth: treeDepth, maxNodes: treeTokens)
            return TreeSpeculativeStep(model: treeTarget, drafter: drafter, verifier: verifier, policy: makeTreeSizePolicy())
        case .model(let draft):
            guard let treeTarget = target as? any TreeLanguageModel, let treeDraft = draft as? any TreeLanguageModel else {
                throw SpeculationSettingsError("--tree: this model has no tree attention")
            }
            var sampled: (sampler: Sampler, sampling: ChildSampling)?
            if tree == .sampled {
                guard !sampling.isGreedy else {
                    throw SpeculationSettingsError("--tree sampled needs temperature > 0 (use --tree topk at temperature 0)")
                }
                sampled = (try Self.draftSampler(for: sampling), self.verifier == .rrsWithoutReplacement ? .withoutReplacement : .withReplacement)
            }
            let drafter = DraftModelTreeDrafter(model: treeDraft, capacity: draftContext ?? contextSize,
                                                topK: treeTopK, depth: treeDepth, sampled: sampled)
            return TreeSpeculativeStep(model: treeTarget, drafter: drafter, verifier: verifier, policy: makeTreeSizePolicy())
        }
    }
}

/// A speculation setting out of range; the message names the flag.
public struct SpeculationSettingsError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
