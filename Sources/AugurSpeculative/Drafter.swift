import AugurSampling

/// Speculative decoding: drafters propose tokens, verifiers accept a prefix of them against the
/// target's distributions (Leviathan et al. 2023, arXiv 2211.17192; Chen et al. 2023, arXiv 2302.01318).
/// This module holds one file per drafter and per verifier; the decode loop that joins them lives
/// beside them. Drafting never knows how verification works, and the reverse.

/// Tokens a drafter proposes after the committed sequence, with the distribution each was drawn from.
///
/// `distributions`, when present, is parallel to `tokens`: `distributions[i]` is q, the draft
/// distribution at draft position i, which speculative sampling compares with the target's p
/// (accept x with probability min(1, p(x)/q(x)); Leviathan et al. 2023, Algorithm 1).
/// `nil` means the drafter is deterministic: q is one-hot on each proposed token (prompt lookup,
/// greedy draft models). ``distribution(at:vocabularySize:)`` returns q either way.
public struct Draft: Sendable, Equatable {
    /// Proposed tokens, in order, continuing the committed sequence. May be empty.
    public var tokens: [Int32]
    /// q at each draft position (same count as `tokens`), or nil when every q is one-hot.
    public var distributions: [TokenDistribution]?

    public init(tokens: [Int32], distributions: [TokenDistribution]? = nil) {
        precondition(distributions == nil || distributions!.count == tokens.count,
                     "a draft needs one distribution per token")
        self.tokens = tokens
        self.distributions = distributions
    }

    /// No proposal: the decode step falls back to one ordinary target token.
    public static let empty = Draft(tokens: [])

    /// Number of proposed tokens.
    public var count: Int { tokens.count }
    public var isEmpty: Bool { tokens.isEmpty }

    /// q at draft position `i`: the stored distribution, or one-hot on `tokens[i]` for deterministic drafts.
    public func distribution(at i: Int, vocabularySize: Int) -> TokenDistribution {
        distributions?[i] ?? .oneHot(tokens[i], vocabularySize: vocabularySize)
    }
}

/// Proposes up to k tokens that the target model then verifies in one batched forward pass.
///
/// Lifecycle, after llama.cpp's `common/speculative.h` (init / begin / draft / accept):
/// 1. ``begin(prompt:)`` once per generation with the prompt tokens (a drafter may index or prefill them);
/// 2. ``draft(context:maxTokens:)`` with the whole committed sequence (prompt + generated so far);
/// 3. after verification, ``accept(committed:)`` with the committed sequence, which now ends with
///    the accepted draft tokens and the target's corrected or bonus token. Rejected draft tokens
///    never appear in it: the drafter rolls back any state built from them.
///
/// `draft(context:)` must also be correct when step 3 was skipped (a drafter re-syncs against the
/// context it is given); `accept` lets a drafter do that work early. Drafters are not thread-safe.
public protocol Drafter: AnyObject {
    /// Starts a generation whose committed sequence begins with `prompt`; forgets earlier generations.
    func begin(prompt: [Int32]) throws

    /// `begin(prompt:)`, keeping state for at most the first `reusedPrefix` prompt tokens (what the
    /// target keeps of its own cache). The default ignores the bound: only drafters with a cache of
    /// their own (a draft model) have anything to keep.
    func begin(prompt: [Int32], reusedPrefix: Int) throws

    /// Up to `maxTokens` tokens likely to follow `context` (the committed sequence, oldest first).
    /// - Throws: errors of the drafter's model (e.g. `ModelError.contextFull`); lookup drafters never throw.
    func draft(context: [Int32], maxTokens: Int) throws -> Draft

    /// Syncs internal state to `committed`, the sequence after verification (rollback of rejected tokens).
    func accept(committed: [Int32]) throws

    /// Committed tokens of `context` before its last one that the drafter has not processed: what its
    /// next draft must catch up on first (a draft model that deferred its prompt prefill or sat out
    /// plain rounds). After a drafting round it is 0 or 1. Default 0 (drafters without such state).
    func catchUpTokens(context: [Int32]) -> Int

    /// Seconds of one drafting forward, measured without drafting (and without changing what the
    /// drafter holds), so a policy can price drafting before the first draft; nil for drafters that
    /// run no model (their drafts cost next to nothing) or when it cannot be measured. Default nil.
    /// - Throws: errors of the drafter's model.
    func measureForwardSeconds() throws -> Double?

    /// A small class of `context` known before drafting that predicts how well a draft will be
    /// accepted (``AdaptiveDraftLength`` keeps acceptance per class; see
    /// ``PromptLookupDrafter/draftClass(context:)``). Default 0 (one class).
    func draftClass(context: [Int32]) -> Int
}

extension Drafter {
    public func begin(prompt: [Int32], reusedPrefix: Int) throws { try begin(prompt: prompt) }
    public func catchUpTokens(context: [Int32]) -> Int { 0 }
    public func measureForwardSeconds() throws -> Double? { nil }
    public func draftClass(context: [Int32]) -> Int { 0 }
}
