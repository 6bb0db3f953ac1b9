import Foundation

/// What one speculative round cost and gave, reported to a ``DraftLengthPolicy`` after verification.
public struct RoundObservation: Sendable, Equatable {
    /// Draft length the policy asked for (after the step's caps for `limit` and cache room).
    public var requested: Int
    /// Tokens the drafter actually proposed, 0...requested (fewer when p-min stopped it or a lookup
    /// found no match).
    public var drafted: Int
    /// Draft tokens the verifier accepted, 0...drafted.
    public var accepted: Int
    /// Wall time of drafting, seconds.
    public var draftSeconds: Double
    /// Wall time of the target forward over `drafted + 1` rows, seconds.
    public var targetSeconds: Double
    /// Committed tokens the drafter caught up on before drafting (included in `draftSeconds`); see
    /// ``RoundContext/catchUpTokens``.
    public var catchUpTokens: Int
    /// The round's draft class (``RoundContext/draftClass``).
    public var draftClass: Int

    public init(requested: Int, drafted: Int, accepted: Int, draftSeconds: Double, targetSeconds: Double,
                catchUpTokens: Int = 0, draftClass: Int = 0) {
        self.requested = requested
        self.drafted = drafted
        self.accepted = accepted
        self.draftSeconds = draftSeconds
        self.targetSeconds = targetSeconds
        self.catchUpTokens = catchUpTokens
        self.draftClass = draftClass
    }
}

/// What a ``DraftLengthPolicy`` knows about the round it is asked to size.
public struct RoundContext: Sendable, Equatable {
    /// Longest draft allowed (the step's caps for the token budget and the free cache positions).
    public var maximum: Int
    /// Tokens the caller will still use (`DecodeStep.advance`'s `limit`): no gain lies past them.
    public var remaining: Int
    /// Tokens generated so far in this generation.
    public var generated: Int
    /// Committed tokens the drafter must run before it can draft (``Drafter/catchUpTokens(context:)``):
    /// a draft model's deferred prompt prefill, or the tokens decoded while it sat out plain rounds.
    public var catchUpTokens: Int
    /// What the drafter says of the context before drafting (``Drafter/draftClass(context:)``, e.g.
    /// how long a prompt-lookup match is); acceptance is estimated per class.
    public var draftClass: Int

    public init(maximum: Int, remaining: Int = .max, generated: Int = 0, catchUpTokens: Int = 0, draftClass: Int = 0) {
        self.maximum = maximum
        self.remaining = remaining
        self.generated = generated
        self.catchUpTokens = catchUpTokens
        self.draftClass = draftClass
    }
}

/// Chooses how many tokens to draft in each round of speculative decoding. 0 means: decode this
/// round autoregressively (one target row, no drafting).
public protocol DraftLengthPolicy: AnyObject {
    /// The draft length for the next round, in 0...`round.maximum`.
    func nextDraftLength(_ round: RoundContext) -> Int
    /// Feeds back what the round cost and gave.
    func record(_ round: RoundObservation)
    /// Forgets what was learned about the text (not about the hardware) at a new generation.
    func beginGeneration()
    /// Whether the policy wants a drafter's forward cost measured before it first drafts
    /// (``calibrate(draftSecondsPerForward:)``). Default false.
    var wantsDraftCost: Bool { get }
    /// Seconds of one draft forward measured outside drafting (``Drafter/measureForwardSeconds()``).
    /// Default: ignored.
    func calibrate(draftSecondsPerForward: Double)
}

extension DraftLengthPolicy {
    /// The draft length for a round with nothing to catch up and no other context than `maximum`.
    public func nextDraftLength(maximum: Int) -> Int { nextDraftLength(RoundContext(maximum: maximum)) }
    public var wantsDraftCost: Bool { false }
    public func calibrate(draftSecondsPerForward: Double) {}
}

/// Which draft-length policy the CLI, bench and server build.
public enum DraftPolicyKind: String, Sendable, Codable, CaseIterable {
    /// A constant k every round (reproducible tests and comparisons).
    case fixed
    /// ``AdaptiveDraftLength``: k from a cost model, 0 (plain decoding) when speculation would not pay.
    case adaptive
}

/// A constant draft length k (`--draft-policy fixed`): identical settings and seed give identical
/// rounds, whatever the timings.
public final class FixedDraftLength: DraftLengthPolicy {
    public let length: Int
    public init(_ length: Int) { self.length = max(0, length) }
    public func nextDraftLength(_ round: RoundContext) -> Int { min(length, round.maximum) }
    public func record(_ round: RoundObservation) {}
    public func beginGeneration() {}
}

/// Picks the draft length that maximises expected tokens per second from measured costs and running
/// acceptance rates, and decodes plainly when no length is expected to beat plain decoding.
///
/// Cost model (Leviathan et al. 2023, arXiv 2211.17192, §3.4, with the cost of verification measured
/// per row count instead of assumed constant; MoESD's "target efficiency" is the same ratio T(m)/T(1)):
/// - T(m): seconds of a target forward over m rows, an exponential moving average per m of the
///   measured times; unmeasured m are interpolated linearly between measured neighbours,
///   extrapolated past the largest measured m with the slope of the two largest, or with
///   `priorRowCost` · T(1) per extra row while only one m was measured;
/// - d: seconds per draft forward (moving average; ~0 for a lookup drafter). Asked for k tokens, a
///   draft model runs min(n + 1, k) forwards to propose n (the last proposed token is not run; a
///   p-min stop costs the forward that found the top token too unlikely);
/// - s_i: the chance the drafter proposes position i once it reached it (p-min stops, lookups that
///   find no match), and a_i: conditional acceptance at draft position i (accepted at i given all
///   before i accepted); counts decayed by `acceptanceDecay` per observation so the estimates follow
///   the text, with priors centred on the previous position, and kept per draft class
///   (``RoundContext/draftClass``: a prompt-lookup match of 16 tokens is accepted far more often
///   than one of a single token) on top of the pool (``AcceptanceStatistics``).
/// With r_j = Π_{i<j} s_i (position j reached): expected emitted tokens for a draft of up to k,
/// E(k) = 1 + Σ_{j=1..k} Π_{i<j} s_i·a_i; expected round time C(k) = d·(1 + Σ_{j=1..k−1} r_j) +
/// T(1 + Σ_{j=1..k} r_j), T interpolated at fractional rows. The policy returns argmax over
/// k ∈ {0} ∪ [minimum, maximum] of E(k)/C(k), and 0 unless the best length beats plain decoding
/// (E(0)/C(0) = 1/T(1)) by `margin`.
///
/// While plain decoding wins, acceptance is no longer observed, so the policy probes: every
/// `probeInterval`-th round (twice that for a costly drafter) drafts at the best length anyway; each probe that does not lead back to
/// drafting doubles the interval (up to 64×), a round that drafts by choice resets it. A probe's
/// draft time is not used for d (a draft model catching up on many committed tokens is not a step).
/// That catch-up costs a draft-model prefill of every token decoded since the last probe, whatever
/// the interval, so after `maxCostlyProbes` probes in a row that each cost more than a quarter of a
/// target step and did not lead back to drafting, the policy stops probing for the generation.
/// (Prompt lookup probes cost nothing and go on.)
///
/// Catch-up: a draft model that defers its prompt prefill (``DraftModelDrafter/defersPrefill``) or
/// sat out plain rounds must first run the committed tokens it has not seen
/// (``RoundContext/catchUpTokens``), at u seconds per token (measured from rounds that caught up on
/// ≥ 4 tokens; `priorCatchUpCost` · d until then). The policy leaves plain decoding only when the
/// time drafting is expected to save over the tokens still to come, H · (1/rate(0) − 1/rate(k)),
/// covers that catch-up, with H = the tokens generated so far (at least `minimumHorizon`, at most
/// what the caller will use): a reply is guessed to go on about as long as it has gone, so a short
/// reply never pays the draft's prompt prefill and a long one pays it once it has earned it back.
/// A probe may spend at most `probeBudget` of the plain-decoding time since the last probe on its
/// catch-up; until then it waits.
///
/// A draft model's forward cost d can be measured before it first drafts
/// (``calibrate(draftSecondsPerForward:)``, asked for by ``wantsDraftCost``); then the first round
/// decodes plainly to time T(1), and drafting starts when the priors (``acceptancePrior``) and the
/// measured costs predict a gain. Without that measurement the first round drafts
/// `bootstrapLength` tokens to time d.
///
/// Deterministic given its observations; timings vary, so use `FixedDraftLength` where runs must
/// repeat exactly.
public final class AdaptiveDraftLength: DraftLengthPolicy {
    /// Shortest draft when drafting, ≥ 1.
    public let minimum: Int
    /// Longest draft, ≥ `minimum`.
    public let maximum: Int
    /// Required relative gain over plain decoding (0.1 = 10 % faster) before drafting: acceptance
    /// estimated from a few rounds is noisy (on a code reply the 0.5B draft was predicted to run
    /// 1.14x at k = 3 from a ≈ 0.9 and ran 1.04x), and small per-round costs (sampling the target
    /// rows, rollback) are left out, so a predicted gain is worth less than it says.
    public var margin: Double = 0.1
    /// Costly probes in a row after which probing stops for the generation.
    public var maxCostlyProbes: Int = 1
    /// Draft length of the first (timing) round. One token: the round times a draft forward and a
    /// two-row verification, and a wrong guess costs the least (short replies — a translation, a
    /// one-line answer — have no rounds to earn a costly failed bootstrap back).
    public var bootstrapLength: Int = 1
    /// Prior cost of one more verified row as a fraction of T(1), used until measured (this CPU,
    /// 1.5B target: T(2) = 1.13–1.16, T(5) = 1.88–1.98 × T(1), about 0.2 a row). An optimistic
    /// prior costs little with a free drafter but makes a draft model pay its catch-up for gains it
    /// will not see (0.08 did: the 0.5B caught up on 162 tokens expecting 1.3x from k = 2).
    public var priorRowCost: Double = 0.2
    /// Weight kept by old acceptance counts per new observation at the same position.
    public var acceptanceDecay: Double {
        get { statistics.decay }
        set { statistics.decay = newValue }
    }
    /// Prior mean of the conditional acceptance at draft position 0 (worth two observations; later
    /// positions centre on the one before). 0.5 says nothing; a draft model of the target's own family
    /// starts at ``draftModelAcceptancePrior``.
    public var acceptancePrior: Double {
        get { statistics.acceptancePrior }
        set { statistics.acceptancePrior = newValue }
    }
    /// Prior acceptance for a draft model that shares the target's family and vocabulary: the 0.5B
    /// Qwen2.5-Coder draft for the 1.5B accepted 83–90 % of its tokens in our greedy benchmarks when
    /// it drafted (llama.cpp measured 88–91 % on the same pair here).
    public static let draftModelAcceptancePrior = 0.8
    /// Prior seconds of catching up one committed token, as a fraction of a draft forward d, until
    /// measured (a catch-up is one batched, compute-bound forward: the 0.5B draft, requantized to
    /// Q4_0, caught up on 112 tokens in 0.73 s with d = 0.017 s, 0.38 d per token; stored as Q5_0 it
    /// prefills 133 tok/s with d = 0.026 s, 0.29 d).
    public var priorCatchUpCost: Double = 0.35
    /// Share of the plain-decoding time since the last probe that a probe may spend on catching up
    /// (a failed probe then slows the generation by at most this much).
    public var probeBudget: Double = 0.05
    /// Fewest tokens the catch-up rule assumes are still to come (when fewer were generated so far).
    public var minimumHorizon: Int = 16
    /// Rounds from one probe to the next while plain decoding wins (initial value), doubled for a
    /// costly drafter (a draft forward above a quarter of a target step): its probe pays a catch-up
    /// prefill and a draft, about one to two target steps, so 16 plain rounds keep a failed probe's
    /// cost under ~10 %.
    public var probeInterval: Int = 8

    /// Measured T(m) per row count m (index m), seconds; nil where never measured.
    public private(set) var targetSeconds: [Double?]
    /// Measured seconds per draft forward; nil until a draft was timed.
    public private(set) var draftSecondsPerForward: Double?
    /// Measured seconds per caught-up token; nil until a round caught up on ≥ 4 tokens.
    public private(set) var catchUpSecondsPerToken: Double?
    /// Proposal and acceptance counts, pooled and per draft class.
    private var statistics: AcceptanceStatistics
    private var plainRounds = 0
    private var currentProbeInterval: Int
    private var lastRoundWasProbe = false
    private var lastRoundDrafted = false
    private var costlyProbes = 0
    /// Per draft class: the last decision in that class was plain decoding.
    private var plainMode = Array(repeating: false, count: AcceptanceStatistics.classCount)
    private static let smoothing = 0.3

    /// - Parameters: minimum and maximum draft length when drafting (clamped to 1... and ≥ minimum).
    public init(minimum: Int = 1, maximum: Int) {
        self.maximum = max(1, maximum)
        self.minimum = min(max(1, minimum), self.maximum)
        targetSeconds = Array(repeating: nil, count: self.maximum + 2)
        statistics = AcceptanceStatistics(positions: self.maximum)
        currentProbeInterval = probeInterval
    }

    public func beginGeneration() {
        statistics.reset()
        plainRounds = 0
        currentProbeInterval = probeInterval
        lastRoundWasProbe = false
        lastRoundDrafted = false
        costlyProbes = 0
        plainMode = Array(repeating: false, count: AcceptanceStatistics.classCount)
    }

    public var wantsDraftCost: Bool { draftSecondsPerForward == nil }

    public func calibrate(draftSecondsPerForward seconds: Double) {
        if draftSecondsPerForward == nil, seconds >= 0 { draftSecondsPerForward = seconds }
    }

    /// Estimated seconds to catch up on `tokens` committed tokens.
    public func catchUpSeconds(tokens: Int) -> Double {
        guard tokens > 0 else { return 0 }
        let perToken = catchUpSecondsPerToken ?? priorCatchUpCost * (draftSecondsPerForward ?? 0)
        return Double(tokens) * perToken
    }

    /// A draft forward above a quarter of a target step (a draft model, not a lookup).
    private var draftIsCostly: Bool {
        guard let d = draftSecondsPerForward, let t1 = targetSeconds[1] else { return false }
        return d > 0.25 * t1
    }

    /// The probe interval to start from: `probeInterval`, doubled for a costly drafter.
    private var initialProbeInterval: Int { draftIsCostly ? 2 * probeInterval : probeInterval }

    /// a_i over all rounds, or in draft class `c` (see ``AcceptanceStatistics``).
    public func conditionalAcceptance(at i: Int, class c: Int? = nil) -> Double {
        c.map { statistics.acceptance(at: i, class: $0) } ?? statistics.acceptance(at: i)
    }

    /// s_i over all rounds, or in draft class `c` (see ``AcceptanceStatistics``).
    public func proposalRate(at i: Int, class c: Int? = nil) -> Double {
        c.map { statistics.proposal(at: i, class: $0) } ?? statistics.proposal(at: i)
    }

    /// Estimated T(m), seconds; nil before any target time was measured.
    public func estimatedTargetSeconds(rows m: Int) -> Double? {
        if m < targetSeconds.count, let t = targetSeconds[m] { return t }
        let measured = targetSeconds.indices.compactMap { i in targetSeconds[i].map { (i, $0) } }
        guard let first = measured.first else { return nil }
        let below = measured.last { $0.0 < m }, above = measured.first { $0.0 > m }
        if let (i0, t0) = below, let (i1, t1) = above {
            return t0 + (t1 - t0) * Double(m - i0) / Double(i1 - i0)
        }
        let t1 = targetSeconds[1] ?? first.1 / (1 + priorRowCost * Double(first.0 - 1))
        if let (i0, t0) = below {
            // Past the largest measured m: the slope of the two largest, else the prior.
            if let (iPrev, tPrev) = measured.last(where: { $0.0 < i0 }) {
                return t0 + max(0, (t0 - tPrev) / Double(i0 - iPrev)) * Double(m - i0)
            }
            return t0 + priorRowCost * t1 * Double(m - i0)
        }
        return max(t1, first.1 - priorRowCost * t1 * Double(first.0 - m))
    }

    /// T at a fractional row count (linear between whole counts).
    private func estimatedTargetSeconds(rows x: Double) -> Double? {
        let lo = Int(x.rounded(.down))
        guard let a = estimatedTargetSeconds(rows: lo) else { return nil }
        guard x > Double(lo), let b = estimatedTargetSeconds(rows: lo + 1) else { return a }
        return a + (b - a) * (x - Double(lo))
    }

    /// Expected tokens per second of asking for up to k draft tokens (k = 0: plain decoding) with the
    /// rates of draft class `c` (nil: pooled); nil while unmeasured.
    public func expectedRate(draftLength k: Int, class c: Int? = nil) -> Double? {
        var expected = 1.0, reachAndAccept = 1.0
        var reach = 1.0, forwards = 0.0, rows = 1.0
        if k > 0 {
            forwards = 1
            for j in 1...k {
                let s = proposalRate(at: j - 1, class: c)
                reach *= s
                reachAndAccept *= s * conditionalAcceptance(at: j - 1, class: c)
                expected += reachAndAccept
                rows += reach
                if j < k { forwards += reach }
            }
        }
        guard let t = estimatedTargetSeconds(rows: rows) else { return nil }
        return expected / (forwards * (draftSecondsPerForward ?? 0) + t)
    }

    /// The length in [minimum, upper] with the best expected rate, and that rate.
    private func bestDraftLength(upper: Int, class c: Int) -> (Int, Double)? {
        guard upper >= minimum else { return nil }
        var best: (Int, Double)?
        for k in minimum...upper {
            guard let r = expectedRate(draftLength: k, class: c) else { return nil }
            if best == nil || r > best!.1 { best = (k, r) }
        }
        return best
    }

    public func nextDraftLength(_ round: RoundContext) -> Int {
        let upper = min(round.maximum, maximum)
        let afterProbe = lastRoundWasProbe
        lastRoundWasProbe = false
        guard upper >= minimum else { return 0 }
        // Bootstrap: time a draft first, then one plain round for T(1).
        if draftSecondsPerForward == nil { return min(upper, max(minimum, bootstrapLength)) }
        guard let plain = expectedRate(draftLength: 0), targetSeconds[1] != nil else { return 0 }
        let c = AcceptanceStatistics.clamp(round.draftClass)
        guard let (k, rate) = bestDraftLength(upper: upper, class: c) else { return 0 }
        let catchUp = catchUpSeconds(tokens: round.catchUpTokens)
        // In plain mode (per class) nothing new is learnt about acceptance, only T(1) drifts with the
        // machine's load: leave it only on a probe's evidence, not on timing noise.
        if (!plainMode[c] || afterProbe) && rate > plain * (1 + margin) {
            // Drafting pays, once the catch-up has been earned back (see the type's notes).
            let horizon = Double(min(round.remaining, max(round.generated, minimumHorizon)))
            if horizon * (1 / plain - 1 / rate) < catchUp { return 0 }
            plainMode[c] = false
            plainRounds = 0
            currentProbeInterval = initialProbeInterval
            costlyProbes = 0
            return k
        }
        if !plainMode[c] { currentProbeInterval = initialProbeInterval }
        plainMode[c] = true
        plainRounds += 1
        if plainRounds >= currentProbeInterval && costlyProbes < maxCostlyProbes,
           let t1 = targetSeconds[1],
           catchUp <= probeBudget * Double(plainRounds) * t1 {
            plainRounds = 0
            currentProbeInterval = min(currentProbeInterval * 2, initialProbeInterval * 64)
            lastRoundWasProbe = true
            return k
        }
        return 0
    }

    public func record(_ round: RoundObservation) {
        let m = round.drafted + 1
        if m < targetSeconds.count, round.targetSeconds > 0 {
            // Multi-row forwards are timed rarely, so one sample slowed by the machine's other load
            // would steer the policy for long: clip it to 1.5× the current estimate.
            var sample = round.targetSeconds
            if m > 1, let estimate = estimatedTargetSeconds(rows: m) { sample = min(sample, 1.5 * estimate) }
            targetSeconds[m] = targetSeconds[m].map { $0 + Self.smoothing * (sample - $0) } ?? sample
        }
        if lastRoundWasProbe, let t1 = targetSeconds[1], round.draftSeconds > 0.25 * t1 { costlyProbes += 1 }
        if round.requested > 0 {
            let forwards = Double(min(round.drafted + 1, round.requested))
            let perForward = round.draftSeconds / forwards
            if round.catchUpTokens >= 4, let d = draftSecondsPerForward {
                // A catch-up round: its time beyond the draft forwards prices a caught-up token, and
                // it says nothing about d.
                let perToken = max(0, round.draftSeconds - forwards * d) / Double(round.catchUpTokens)
                catchUpSecondsPerToken = catchUpSecondsPerToken.map { $0 + Self.smoothing * (perToken - $0) } ?? perToken
            } else if draftSecondsPerForward == nil {
                draftSecondsPerForward = perForward
            } else if lastRoundDrafted && !lastRoundWasProbe {
                draftSecondsPerForward! += Self.smoothing * (perForward - draftSecondsPerForward!)
            }
        }
        statistics.record(requested: round.requested, drafted: round.drafted, accepted: round.accepted, class: round.draftClass)
        lastRoundDrafted = round.requested > 0
    }
}
