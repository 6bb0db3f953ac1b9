import AugurSpeculative
import XCTest

/// The adaptive policy on synthetic costs: target T(m) = t1 · (1 + v·(m − 1)), draft d per token,
/// each draft position accepted while a deterministic pattern says so.
final class DraftLengthPolicyTests: XCTestCase {
    /// Runs `rounds` rounds, accepting the first `acceptedPrefix(k)` tokens of each k-token draft;
    /// returns the lengths the policy chose.
    private func simulate(_ policy: AdaptiveDraftLength, rounds: Int, t1: Double = 0.045, v: Double = 0.08,
                          d: Double, proposes: (Int) -> Int = { $0 }, acceptedPrefix: (Int, Int) -> Int) -> [Int] {
        var chosen: [Int] = []
        for r in 0..<rounds {
            let k = policy.nextDraftLength(maximum: 8)
            chosen.append(k)
            let n = min(k, proposes(k))
            let a = min(n, acceptedPrefix(r, n))
            // A draft model runs min(n + 1, k) forwards for n proposed tokens.
            policy.record(RoundObservation(requested: k, drafted: n, accepted: a, draftSeconds: Double(min(n + 1, k)) * d,
                                           targetSeconds: t1 * (1 + v * Double(n))))
        }
        return chosen
    }

    func testEarlyStopsAreCostedAsWhatTheyRan() {
        // The drafter stops (p-min) after 2 tokens every round, and they are always right: drafting pays,
        // although each round also ran one forward whose token it did not propose.
        let p = AdaptiveDraftLength(minimum: 1, maximum: 8)
        let chosen = simulate(p, rounds: 40, d: 0.3 * 0.045, proposes: { min($0, 2) }) { _, k in k }
        XCTAssertTrue(chosen.suffix(20).allSatisfy { $0 >= 2 }, "\(chosen)")
        XCTAssertEqual(p.draftSecondsPerForward!, 0.3 * 0.045, accuracy: 1e-12)
        // Position 2 is never proposed: once that is seen, lengths past 3 stop being asked for.
        XCTAssertLessThan(p.proposalRate(at: 2), 0.7)
        XCTAssertTrue(chosen.suffix(20).allSatisfy { $0 <= 3 }, "\(chosen)")
        XCTAssertGreaterThan(p.proposalRate(at: 0), 0.9)
    }

    func testFixedPolicyIsConstantAndCapped() {
        let p = FixedDraftLength(5)
        XCTAssertEqual(p.nextDraftLength(maximum: 8), 5)
        XCTAssertEqual(p.nextDraftLength(maximum: 3), 3)
        XCTAssertEqual(FixedDraftLength(-2).nextDraftLength(maximum: 8), 0)
    }

    func testCheapDraftAndFullAcceptanceDraftsTheMaximum() {
        let p = AdaptiveDraftLength(minimum: 1, maximum: 8)
        let chosen = simulate(p, rounds: 30, d: 0.1 * 0.045) { _, k in k }
        XCTAssertEqual(chosen.first, p.bootstrapLength, "bootstrap drafts bootstrapLength tokens")
        XCTAssertEqual(p.bootstrapLength, 1)
        XCTAssertEqual(Array(chosen.suffix(10)), Array(repeating: 8, count: 10))
    }

    func testDraftAsExpensiveAsTheTargetFallsBackToPlainDecoding() {
        // d = T(1): even with 80 % acceptance a round of k costs (k + 1 + …) target steps for ≤ k + 1 tokens.
        let p = AdaptiveDraftLength(minimum: 1, maximum: 8)
        let chosen = simulate(p, rounds: 40, d: 0.045) { r, k in r % 5 == 0 ? 0 : k }
        let tail = chosen.suffix(20)
        XCTAssertEqual(tail.filter { $0 == 0 }.count, 20, "plain decoding: \(chosen)")
        // The probes cost drafts (a draft model's catch-up): after one that failed, no more.
        XCTAssertEqual(chosen.dropFirst(2).filter { $0 > 0 }.count, 1, "\(chosen)")
    }

    func testLowAcceptanceWithFreeDraftStaysPlain() {
        // Prompt lookup (d = 0) whose tokens are never accepted: verifying extra rows only costs.
        let p = AdaptiveDraftLength(minimum: 1, maximum: 8)
        let chosen = simulate(p, rounds: 60, d: 0) { _, _ in 0 }
        XCTAssertGreaterThanOrEqual(chosen.suffix(30).filter { $0 == 0 }.count, 27, "\(chosen)")
    }

    func testLengthFollowsWhereAcceptanceEnds() {
        // The draft is right for exactly 2 tokens each round: drafting 2–3 beats drafting 8.
        let p = AdaptiveDraftLength(minimum: 1, maximum: 8)
        let chosen = simulate(p, rounds: 60, d: 0.2 * 0.045) { _, _ in 2 }
        let last = chosen.suffix(10)
        XCTAssertTrue(last.allSatisfy { (2...3).contains($0) }, "\(chosen)")
    }

    func testProbeIntervalDoublesWhilePlainWins() {
        // A free drafter (prompt lookup) whose tokens are never accepted.
        let p = AdaptiveDraftLength(minimum: 1, maximum: 4)
        let chosen = simulate(p, rounds: 80, d: 0) { _, _ in 0 }
        // Rounds 0 and 1 bootstrap, a few rounds draft on the optimistic prior (free drafts), then plain
        // decoding with every 8th, then 16th, then 32nd round a probe (k > 0).
        let plainStart = chosen.indices.dropFirst(2).first { chosen[$0] == 0 }!
        XCTAssertLessThanOrEqual(plainStart, 6, "\(chosen)")
        let probes = chosen.indices.filter { $0 > plainStart && chosen[$0] > 0 }
        XCTAssertEqual(probes.count, 3, "\(chosen)")
        XCTAssertEqual(probes.first.map { $0 - plainStart + 1 }, 8)
        XCTAssertEqual(zip(probes.dropFirst(), probes).map { $0 - $1 }, [16, 32])

        // A draft model as costly as the target: its probes (catch-up prefill + draft) start twice as far apart.
        let costly = AdaptiveDraftLength(minimum: 1, maximum: 4)
        costly.maxCostlyProbes = .max
        let chosenCostly = simulate(costly, rounds: 120, d: 0.045) { _, _ in 0 }
        let costlyProbes = chosenCostly.indices.dropFirst(2).filter { chosenCostly[$0] > 0 }
        XCTAssertEqual(costlyProbes.count, 3, "\(chosenCostly)")
        XCTAssertEqual(zip(costlyProbes.dropFirst(), costlyProbes).map { $0 - $1 }, [32, 64])
        XCTAssertEqual(costlyProbes.first.map { $0 - 1 }, 16, "first probe 16 plain rounds after the bootstrap")
    }

    func testAcceptanceIsLearntPerDraftClass() {
        // A free drafter (prompt lookup) whose class-4 drafts (long matches) are always accepted and
        // whose class-1 drafts (one-token matches) never are, the classes alternating.
        let p = AdaptiveDraftLength(minimum: 1, maximum: 8)
        var chosen: [(draftClass: Int, k: Int)] = []
        for r in 0..<80 {
            let c = r % 2 == 0 ? 4 : 1
            let k = p.nextDraftLength(RoundContext(maximum: 8, draftClass: c))
            chosen.append((c, k))
            p.record(RoundObservation(requested: k, drafted: k, accepted: c == 4 ? k : 0, draftSeconds: 0,
                                      targetSeconds: 0.045 * (1 + 0.08 * Double(k)), draftClass: c))
        }
        let late = chosen.suffix(20)
        XCTAssertTrue(late.filter { $0.draftClass == 4 }.allSatisfy { $0.k == 8 }, "\(chosen)")
        XCTAssertGreaterThanOrEqual(late.filter { $0.draftClass == 1 && $0.k == 0 }.count, 8, "\(chosen)")
        XCTAssertGreaterThan(p.conditionalAcceptance(at: 0, class: 4), 0.9)
        XCTAssertLessThan(p.conditionalAcceptance(at: 0, class: 1), 0.2)
        // The pool mixes both: one estimate for all rounds would draft the wrong length for each.
        XCTAssertLessThan(p.conditionalAcceptance(at: 0, class: 1), p.conditionalAcceptance(at: 0))
        XCTAssertLessThan(p.conditionalAcceptance(at: 0), p.conditionalAcceptance(at: 0, class: 4))
        // A class never seen follows the pool.
        XCTAssertEqual(p.conditionalAcceptance(at: 0, class: 2), p.conditionalAcceptance(at: 0), accuracy: 1e-12)
    }

    func testTargetCostInterpolation() {
        let p = AdaptiveDraftLength(minimum: 1, maximum: 8)
        XCTAssertNil(p.estimatedTargetSeconds(rows: 1))
        p.record(RoundObservation(requested: 0, drafted: 0, accepted: 0, draftSeconds: 0, targetSeconds: 1.0))
        XCTAssertEqual(p.estimatedTargetSeconds(rows: 4)!, 1 + 3 * p.priorRowCost, accuracy: 1e-12)  // prior slope
        p.record(RoundObservation(requested: 4, drafted: 4, accepted: 0, draftSeconds: 0, targetSeconds: 1.6))
        XCTAssertEqual(p.estimatedTargetSeconds(rows: 3)!, 1.3, accuracy: 1e-12)  // between m = 1 and m = 5
        XCTAssertEqual(p.estimatedTargetSeconds(rows: 7)!, 1.6 + 2 * 0.15, accuracy: 1e-12)  // measured slope past m = 5
        // Moving average: a new measurement moves the estimate 30 % of the way.
        p.record(RoundObservation(requested: 0, drafted: 0, accepted: 0, draftSeconds: 0, targetSeconds: 2.0))
        XCTAssertEqual(p.estimatedTargetSeconds(rows: 1)!, 1.3, accuracy: 1e-12)
        // A multi-row sample far above the estimate (the machine busy for a moment) counts as 1.5× it.
        p.record(RoundObservation(requested: 4, drafted: 4, accepted: 0, draftSeconds: 0, targetSeconds: 10))
        XCTAssertEqual(p.estimatedTargetSeconds(rows: 5)!, 1.6 + 0.3 * (1.5 * 1.6 - 1.6), accuracy: 1e-12)
        // The first sample at an unmeasured m is clipped against the interpolated estimate.
        p.record(RoundObservation(requested: 2, drafted: 2, accepted: 0, draftSeconds: 0, targetSeconds: 9))
        let t1 = p.estimatedTargetSeconds(rows: 1)!, t5 = p.estimatedTargetSeconds(rows: 5)!
        XCTAssertEqual(p.estimatedTargetSeconds(rows: 3)!, 1.5 * (t1 + (t5 - t1) / 2), accuracy: 1e-12)
    }

    /// A policy that has timed T(1) = 45 ms and a 10 ms draft forward, sure its drafts are accepted.
    private func calibratedPolicy() -> AdaptiveDraftLength {
        let p = AdaptiveDraftLength(minimum: 1, maximum: 4)
        XCTAssertTrue(p.wantsDraftCost)
        p.calibrate(draftSecondsPerForward: 0.010)
        XCTAssertFalse(p.wantsDraftCost)
        p.acceptancePrior = 0.95
        // Calibrated: no bootstrap draft; the first round decodes plainly to time T(1).
        XCTAssertEqual(p.nextDraftLength(RoundContext(maximum: 4)), 0)
        p.record(RoundObservation(requested: 0, drafted: 0, accepted: 0, draftSeconds: 0, targetSeconds: 0.045))
        return p
    }

    func testCatchUpIsPaidOnlyOnceDraftingHasEarnedItBack() throws {
        let p = calibratedPolicy()
        let u = p.priorCatchUpCost * 0.010
        XCTAssertEqual(p.catchUpSeconds(tokens: 100), 100 * u, accuracy: 1e-12)
        // Nothing to catch up: drafting pays from the start.
        XCTAssertGreaterThan(p.nextDraftLength(RoundContext(maximum: 4, remaining: 200, generated: 1, catchUpTokens: 0)), 0)
        p.beginGeneration()
        // 100 prompt tokens to catch up. Find the first generated count at which the policy drafts.
        var first: Int?
        for g in stride(from: 0, through: 400, by: 4) {
            if p.nextDraftLength(RoundContext(maximum: 4, remaining: 1000, generated: g, catchUpTokens: 100 + g)) > 0 {
                first = g
                break
            }
        }
        let g = try XCTUnwrap(first, "a long reply earns the catch-up back")
        XCTAssertGreaterThan(g, 16, "not at the start: a short reply would never earn it back")
        // There, the expected saving over the next g tokens covers the catch-up; 4 tokens earlier it did not.
        let plain = try XCTUnwrap(p.expectedRate(draftLength: 0))
        let best = try XCTUnwrap((1...4).compactMap { p.expectedRate(draftLength: $0) }.max())
        let saving = { (h: Int) in Double(h) * (1 / plain - 1 / best) }
        XCTAssertGreaterThanOrEqual(saving(g), p.catchUpSeconds(tokens: 100 + g))
        XCTAssertLessThan(saving(g - 4), p.catchUpSeconds(tokens: 100 + g - 4))
        // The same point, but the budget ends soon: the catch-up is never earned back.
        XCTAssertEqual(p.nextDraftLength(RoundContext(maximum: 4, remaining: 20, generated: g, catchUpTokens: 100 + g)), 0)
    }

    func testCatchUpRoundsPriceCaughtUpTokensNotDraftForwards() {
        let p = calibratedPolicy()
        // A round that caught up on 50 tokens, then ran 3 forwards for 3 of 4 draft tokens (p-min stop).
        p.record(RoundObservation(requested: 4, drafted: 3, accepted: 3, draftSeconds: 0.5 + 4 * 0.010,
                                  targetSeconds: 0.06, catchUpTokens: 50))
        XCTAssertEqual(p.catchUpSecondsPerToken!, 0.5 / 50, accuracy: 1e-12)
        XCTAssertEqual(p.draftSecondsPerForward!, 0.010, accuracy: 1e-12, "a catch-up round does not time d")
        XCTAssertEqual(p.catchUpSeconds(tokens: 10), 0.1, accuracy: 1e-12)
    }

    func testProbesWaitUntilTheirCatchUpFitsTheBudget() {
        // A draft model never accepted: plain decoding, and probes that each catch up on the tokens
        // decoded since the last one at 20 ms a token (45 % of T(1), far above the 5 % budget).
        let p = AdaptiveDraftLength(minimum: 1, maximum: 4)
        p.maxCostlyProbes = .max
        p.calibrate(draftSecondsPerForward: 0.020)
        var synced = 0, chosen: [Int] = []
        for g in 0..<300 {
            let k = p.nextDraftLength(RoundContext(maximum: 4, remaining: 1000, generated: g, catchUpTokens: g - synced))
            chosen.append(k)
            let catchUp = k > 0 ? g - synced : 0
            if k > 0 { synced = g }
            p.record(RoundObservation(requested: k, drafted: k, accepted: 0, draftSeconds: 0.020 * (Double(catchUp) + Double(k)),
                                      targetSeconds: 0.045 * (1 + 0.1 * Double(k)), catchUpTokens: catchUp))
        }
        XCTAssertEqual(chosen.first, 0)
        XCTAssertEqual(chosen.filter { $0 > 0 }.count, 0, "never affordable: \(chosen)")
        // The same without catch-up (prompt lookup's probes): they happen.
        let q = AdaptiveDraftLength(minimum: 1, maximum: 4)
        let lookup = simulate(q, rounds: 100, d: 0) { _, _ in 0 }
        XCTAssertGreaterThan(lookup.dropFirst(8).filter { $0 > 0 }.count, 0)
    }

    func testBeginGenerationForgetsAcceptanceButKeepsTimings() {
        let p = AdaptiveDraftLength(minimum: 1, maximum: 4)
        _ = simulate(p, rounds: 10, d: 0.001) { _, k in k }
        XCTAssertGreaterThan(p.conditionalAcceptance(at: 0), 0.8)
        p.beginGeneration()
        XCTAssertEqual(p.conditionalAcceptance(at: 0), 0.5)
        XCTAssertNotNil(p.estimatedTargetSeconds(rows: 1))
        XCTAssertNotNil(p.draftSecondsPerForward)
    }
}

/// The tree-size policy on synthetic costs.
final class TreeSizePolicyTests: XCTestCase {
    /// Runs rounds where a budget n costs `cost(n)` seconds and emits `emitted(n)` tokens.
    private func simulate(_ p: AdaptiveTreeSize, rounds: Int, maximum: Int = 63,
                          cost: (Int) -> Double, emitted: (Int) -> Int) -> [Int] {
        (0..<rounds).map { _ in
            let n = p.nextTreeSize(maximum: maximum)
            p.record(size: n, seconds: cost(n), emitted: emitted(n))
            return n
        }
    }

    func testCandidatesAndWarmUpLargestFirst() {
        let p = AdaptiveTreeSize(maximum: 8)
        XCTAssertEqual(p.candidates, [0, 2, 4, 8])
        let chosen = simulate(p, rounds: 8, cost: { _ in 1 }, emitted: { _ in 1 })
        XCTAssertEqual(chosen, [8, 8, 4, 4, 2, 2, 0, 0])
    }

    func testPicksTheCheapestPerTokenAndExploresNowAndThen() {
        // A round with n nodes costs 1 + 0.25·n s and emits 1 + min(n, 2) tokens: seconds per token are
        // 1.0 (plain), 0.5 (2 nodes), 0.67 (4) and 1.0 (8), so 2 nodes wins.
        let p = AdaptiveTreeSize(maximum: 8)
        let chosen = simulate(p, rounds: 80, cost: { 1 + 0.25 * Double($0) }, emitted: { 1 + min($0, 2) })
        let settled = chosen.dropFirst(8)
        XCTAssertGreaterThan(settled.filter { $0 == 2 }.count, 60, "\(chosen)")
        XCTAssertTrue(settled.contains(8) && settled.contains(0), "other sizes are re-measured now and then: \(chosen)")
        // When drafting does not pay (nothing accepted), plain rounds win.
        let q = AdaptiveTreeSize(maximum: 8)
        let plain = simulate(q, rounds: 60, cost: { 1 + 0.25 * Double($0) }, emitted: { _ in 1 })
        XCTAssertGreaterThan(plain.dropFirst(8).filter { $0 == 0 }.count, 45, "\(plain)")
        // The budget never exceeds what the caller allows.
        let r = AdaptiveTreeSize(maximum: 8)
        XCTAssertTrue(simulate(r, rounds: 20, maximum: 3, cost: { _ in 1 }, emitted: { _ in 1 }).allSatisfy { $0 <= 3 })
    }
}
