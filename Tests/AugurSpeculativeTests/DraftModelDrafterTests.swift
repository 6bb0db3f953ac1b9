import AugurModels
import AugurSampling
import AugurSpeculative
import AugurTestSupport
import Foundation
import XCTest

/// A deterministic test double: 16-token vocabulary, logits a pure function of the whole prefix.
/// It remembers the tokens behind each cache's positions so truncation behaves like a real cache.
final class PrefixFakeModel: LanguageModel {
    static let vocab = 16
    let config = ModelConfig(architecture: "fake", vocabSize: PrefixFakeModel.vocab, embeddingLength: 4, layerCount: 1,
                             headCount: 1, kvHeadCount: 1, headDim: 4, feedForwardLength: 4, ropeBase: 10000,
                             ropeLayout: .halfSplit, rmsNormEps: 1e-6, contextLength: 4096, attentionBias: false,
                             tiedEmbeddings: true)
    private var sequences: [ObjectIdentifier: [Int32]] = [:]
    /// Tokens run through `forward`, all calls together.
    private(set) var tokensProcessed = 0

    func makeCache(capacity: Int) -> KVCache { KVCache(capacity: capacity) }

    /// Logits after `prefix`: a peak on a prefix-dependent token whose height also varies, so
    /// the top probability varies between positions (exercises pMin).
    static func logits(after prefix: ArraySlice<Int32>) -> [Float] {
        var h: Int = 7
        for t in prefix { h = (h &* 31 &+ Int(t) &+ 1) % 10007 }
        let peak = h % vocab
        let height = Float(h % 5)  // 0 ... 4
        return (0..<vocab).map { j in j == peak ? height : Float((j * 3 + h) % 7) * 0.1 }
    }

    func forward(_ tokens: [Int32], cache: KVCache, rows: LogitRows) throws -> Logits {
        guard !tokens.isEmpty else { throw ModelError.emptyBatch }
        try cache.checkRoom(for: tokens.count)
        var seq = sequences[ObjectIdentifier(cache), default: []].prefix(cache.count)
        let first = seq.count
        seq += tokens
        sequences[ObjectIdentifier(cache)] = Array(seq)
        try cache.advance(by: tokens.count)
        tokensProcessed += tokens.count
        let positions: [Int]
        switch rows {
        case .all: positions = Array(first..<seq.count)
        case .last: positions = [seq.count - 1]
        case .none: positions = []
        }
        let s = Array(seq)
        return Logits(rowCount: positions.count, vocabSize: Self.vocab,
                      values: positions.flatMap { Self.logits(after: s[...$0]) })
    }
}

final class DraftModelDrafterTests: XCTestCase {
    private func argmax(_ l: [Float]) -> Int32 { Int32(l.indices.max { l[$0] < l[$1] || (l[$0] == l[$1] && $0 > $1) }!) }
    private func topProbability(_ l: [Float]) -> Float {
        let m = l.max()!
        return 1 / l.reduce(0) { $0 + exp($1 - m) }
    }

    /// Greedy continuation of `context` by the fake, stopping below `pMin`.
    private func referenceGreedy(_ context: [Int32], k: Int, pMin: Float = 0) -> [Int32] {
        var s = context, out: [Int32] = []
        while out.count < k {
            let l = PrefixFakeModel.logits(after: s[...])
            if topProbability(l) < pMin { break }
            out.append(argmax(l)); s.append(out.last!)
        }
        return out
    }

    func testGreedyDraftEqualsModelsGreedyContinuation() throws {
        let model = PrefixFakeModel()
        let d = DraftModelDrafter(model: model, capacity: 64)
        let prompt: [Int32] = [3, 1, 4, 1, 5]
        try d.begin(prompt: prompt)
        let draft = try d.draft(context: prompt, maxTokens: 6)
        XCTAssertEqual(draft.tokens, referenceGreedy(prompt, k: 6))
        XCTAssertNil(draft.distributions)
        // Prompt (5) plus the first 5 draft tokens ran; the 6th draft token never needs to.
        XCTAssertEqual(model.tokensProcessed, 10)
        XCTAssertEqual(d.cache.count, 10)
    }

    func testBeginKeepsNoMoreOfTheCacheThanTheTargetReuses() throws {
        let model = PrefixFakeModel()
        let d = DraftModelDrafter(model: model, capacity: 64)
        let prompt: [Int32] = [3, 1, 4, 1, 5, 9, 2]
        try d.begin(prompt: prompt, reusedPrefix: 0)
        XCTAssertEqual(model.tokensProcessed, 6, "all but the last prompt token")
        // A chat's next turn: the target keeps 4 tokens, so the draft keeps 4 and prefills the rest.
        try d.begin(prompt: prompt + [6, 5], reusedPrefix: 4)
        XCTAssertEqual(model.tokensProcessed, 6 + 4)
        XCTAssertEqual(d.cache.count, 8)
        // The same prompt run again from scratch (a benchmark's next run): prefilled again in full.
        try d.begin(prompt: prompt, reusedPrefix: 0)
        XCTAssertEqual(model.tokensProcessed, 6 + 4 + 6)
        // Without a bound (begin(prompt:)) the shared prefix is kept.
        try d.begin(prompt: prompt)
        XCTAssertEqual(model.tokensProcessed, 6 + 4 + 6)
        XCTAssertEqual(d.cache.count, 6)
    }

    func testDeferredPrefillIsCaughtUpByTheFirstDraft() throws {
        let model = PrefixFakeModel()
        let d = DraftModelDrafter(model: model, capacity: 64)
        d.defersPrefill = true
        let prompt: [Int32] = [3, 1, 4, 1, 5, 9, 2]
        try d.begin(prompt: prompt, reusedPrefix: 0)
        XCTAssertEqual(model.tokensProcessed, 0, "nothing prefilled at begin")
        XCTAssertEqual(d.catchUpTokens(context: prompt), 6)
        // Timing a forward leaves the cache as it was.
        let seconds = try XCTUnwrap(try d.measureForwardSeconds())
        XCTAssertGreaterThanOrEqual(seconds, 0)
        XCTAssertEqual(d.cache.count, 0)
        // Plain rounds commit three more tokens; the first draft catches up on all of them.
        let context = prompt + [6, 5, 3]
        XCTAssertEqual(d.catchUpTokens(context: context), 9)
        let draft = try d.draft(context: context, maxTokens: 3)
        XCTAssertEqual(draft.tokens, referenceGreedy(context, k: 3))
        // All accepted plus a bonus token: the last draft token (never run) is all there is to catch up.
        XCTAssertEqual(d.catchUpTokens(context: context + draft.tokens + [0]), 1)
        // A chat's next turn keeps what the target reuses and defers the rest again.
        try d.begin(prompt: context + [7, 7], reusedPrefix: 5)
        XCTAssertEqual(d.cache.count, 5)
        XCTAssertEqual(d.catchUpTokens(context: context + [7, 7]), 6)
    }

    func testRollbackCatchesUpOnlyOnUnseenCommittedTokens() throws {
        let model = PrefixFakeModel()
        let d = DraftModelDrafter(model: model, capacity: 64)
        var context: [Int32] = [9, 2, 6, 5, 3]
        try d.begin(prompt: context)
        let first = try d.draft(context: context, maxTokens: 4)
        XCTAssertEqual(first.count, 4)
        // Target accepts two draft tokens, then corrects the third.
        let corrected = (first.tokens[2] + 1) % Int32(PrefixFakeModel.vocab)
        context += first.tokens.prefix(2) + [corrected]
        try d.accept(committed: context)
        XCTAssertEqual(d.cache.count, 7, "cache keeps prompt + the two accepted tokens")
        let before = model.tokensProcessed
        let second = try d.draft(context: context, maxTokens: 4)
        XCTAssertEqual(second.tokens, referenceGreedy(context, k: 4))
        XCTAssertEqual(model.tokensProcessed - before, 1 + 3, "corrected token, then 3 draft tokens")
        // A fresh drafter on the same context drafts the same.
        let fresh = DraftModelDrafter(model: model, capacity: 64)
        XCTAssertEqual(try fresh.draft(context: context, maxTokens: 4), second)
        // All draft tokens accepted plus a bonus token: catch-up runs the unseen last draft token and the bonus.
        context += second.tokens + [0]
        let third = try d.draft(context: context, maxTokens: 3)
        XCTAssertEqual(third.tokens, referenceGreedy(context, k: 3))
    }

    func testPMinStopsEarly() throws {
        let model = PrefixFakeModel()
        var stopped = 0
        for seed in 0..<20 {
            let context: [Int32] = [Int32(seed % 16), Int32(seed / 3), 7]
            let d = DraftModelDrafter(model: model, capacity: 64, pMin: 0.3)
            let got = try d.draft(context: context, maxTokens: 8).tokens
            XCTAssertEqual(got, referenceGreedy(context, k: 8, pMin: 0.3))
            if got.count < 8 { stopped += 1 }
        }
        XCTAssertGreaterThan(stopped, 0, "some drafts should stop on low confidence")
    }

    func testSampledDraftCarriesTheSamplersDistributions() throws {
        let model = PrefixFakeModel()
        let params = SamplingParameters(temperature: 0.9, seed: 42)
        let context: [Int32] = [1, 2, 3]
        let a = DraftModelDrafter(model: model, capacity: 64, sampler: try Sampler(parameters: params))
        let b = DraftModelDrafter(model: model, capacity: 64, sampler: try Sampler(parameters: params))
        let da = try a.draft(context: context, maxTokens: 6), db = try b.draft(context: context, maxTokens: 6)
        XCTAssertEqual(da, db, "same seed, same draft")
        let qs = try XCTUnwrap(da.distributions)
        XCTAssertEqual(qs.count, 6)
        let check = try Sampler(parameters: params)
        var s = context
        for (i, t) in da.tokens.enumerated() {
            let expected = try check.distribution(logits: PrefixFakeModel.logits(after: s[...]), history: s)
            XCTAssertEqual(qs[i], expected, "q at position \(i)")
            XCTAssertGreaterThan(qs[i].probability(of: t), 0)
            s.append(t)
        }
    }

    func testCacheCapacityLimitsDraftLength() throws {
        let d = DraftModelDrafter(model: PrefixFakeModel(), capacity: 8)
        let context: [Int32] = [1, 2, 3, 4, 5, 6]
        XCTAssertEqual(try d.draft(context: context, maxTokens: 10).count, 3)  // 6 + 2 run, 3rd not run
        XCTAssertTrue(try d.draft(context: Array(repeating: 1, count: 9), maxTokens: 4).isEmpty)
    }

    /// SmolLM2 drafting for itself: greedy drafts equal its own greedy decoding, and rollback +
    /// redraft equals a fresh drafter.
    func testSmolLMGreedyDraftMatchesOwnGreedyDecoding() throws {
        let model = try loadModel(path: TestModels.path(TestModels.smol))
        let prompt: [Int32] = [1, 504, 3458, 282, 4649, 314, 216, 34, 28, 216, 35, 28]  // arbitrary ids
        let d = DraftModelDrafter(model: model, capacity: 128)
        try d.begin(prompt: prompt)
        let draft = try d.draft(context: prompt, maxTokens: 6)
        XCTAssertEqual(draft.count, 6)

        // Plain greedy decoding, one token at a time, own cache.
        let cache = model.makeCache(capacity: 128)
        var logits = try model.forward(prompt, cache: cache, rows: .last)
        var greedy: [Int32] = []
        for _ in 0..<6 {
            let row = Array(logits.row(0))
            let t = argmax(row)
            greedy.append(t)
            logits = try model.forward([t], cache: cache, rows: .last)
        }
        XCTAssertEqual(draft.tokens, greedy)

        // Reject from position 2 on, commit a different token, redraft.
        let other: Int32 = draft.tokens[2] == 13 ? 14 : 13
        let context = prompt + draft.tokens.prefix(2) + [other]
        try d.accept(committed: context)
        let redraft = try d.draft(context: context, maxTokens: 5)
        let fresh = DraftModelDrafter(model: model, capacity: 128)
        XCTAssertEqual(redraft.tokens, try fresh.draft(context: context, maxTokens: 5).tokens)
    }
}
