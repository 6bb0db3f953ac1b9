import AugurGGUF
import AugurTestSupport
@testable import AugurTokenizer
import Foundation
import XCTest

/// Augur's ids against llama.cpp's for every fixture string, on the real Qwen2.5 and SmolLM2 vocabularies.
final class ReferenceTokenizationTests: XCTestCase {
    private func checkAgainstReference(model: String, key: String, preTokenizer: PreTokenizer? = nil) throws {
        let tok = try preTokenizer.map { try Tokenizer(gguf: GGUFFile(path: TestModels.path(model)), preTokenizerOverride: $0) }
            ?? LoadedTokenizers.get(model)
        let fx = try TokenizerFixtures.load()
        let ref = try XCTUnwrap(fx.vocabs[key])
        XCTAssertEqual(tok.vocabSize, ref.n_tokens)
        XCTAssertEqual(tok.unusableMergeCount, 0)

        var mismatches: [String] = []
        for (s, expected) in zip(fx.strings, ref.plain) {
            let got = tok.encode(s, parseSpecial: false)
            if got != expected { mismatches.append("plain \(s.debugDescription): got \(got), expected \(expected)") }
        }
        for (i, expected) in zip(fx.special_indices, ref.special) {
            let s = fx.strings[i]
            let got = tok.encode(s, parseSpecial: true)
            if got != expected { mismatches.append("special \(s.debugDescription): got \(got), expected \(expected)") }
        }
        print("tokenizer fixtures \(model): \(mismatches.count) mismatches in \(ref.plain.count + ref.special.count) encodings")
        XCTAssertEqual(ref.plain.count, fx.strings.count)
        XCTAssertGreaterThanOrEqual(fx.strings.count, 500)
        XCTAssertTrue(mismatches.isEmpty, "\(model): \(mismatches.count) mismatches:\n" + mismatches.prefix(20).joined(separator: "\n"))
    }

    func testQwenMatchesLlamaCpp() throws {
        try checkAgainstReference(model: TestModels.qwenTarget, key: "qwen")
    }

    func testQwenDraftMatchesLlamaCpp() throws {
        // The 0.5B draft shares the 1.5B target's vocabulary (the script checks this on llama.cpp's side).
        try checkAgainstReference(model: TestModels.qwenDraft, key: "qwen")
    }

    func testSmolLMMatchesLlamaCpp() throws {
        try checkAgainstReference(model: TestModels.smol, key: "smol")
    }

    /// llama.cpp's "llama-bpe" and "gpt-2" pre-tokenizers, checked on the SmolLM2 vocabulary.
    func testOtherPreTokenizersMatchLlamaCpp() throws {
        try checkAgainstReference(model: TestModels.smol, key: "smol-llama-bpe", preTokenizer: .llama3)
        try checkAgainstReference(model: TestModels.smol, key: "smol-gpt-2", preTokenizer: .gpt2)
    }

    func testQwenTargetAndDraftShareVocabulary() throws {
        let a = try GGUFFile(path: TestModels.path(TestModels.qwenTarget))
        let b = try GGUFFile(path: TestModels.path(TestModels.qwenDraft))
        for key in ["tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type", "tokenizer.ggml.pre"] {
            XCTAssertEqual(a.metadata[key], b.metadata[key], key)
        }
    }

    func testRoundTripEveryFixtureString() throws {
        let fx = try TokenizerFixtures.load()
        for model in [TestModels.qwenTarget, TestModels.smol] {
            let tok = try LoadedTokenizers.get(model)
            for s in fx.strings {
                XCTAssertEqual(tok.decode(tok.encode(s)), s, "\(model) plain round trip of \(s.debugDescription)")
                XCTAssertEqual(tok.decode(tok.encode(s, parseSpecial: true)), s, "\(model) special round trip of \(s.debugDescription)")
            }
        }
    }

    func testSpecialTokenIDs() throws {
        let fx = try TokenizerFixtures.load()
        for (model, key) in [(TestModels.qwenTarget, "qwen"), (TestModels.smol, "smol")] {
            let tok = try LoadedTokenizers.get(model)
            let ref = try XCTUnwrap(fx.vocabs[key])
            XCTAssertEqual(tok.bosToken, ref.bos, model)
            XCTAssertEqual(tok.eosToken, ref.eos, model)
            XCTAssertEqual(tok.endOfGenerationTokens, Set(ref.eog), model)
            let imEnd = try XCTUnwrap(tok.tokenID(for: "<|im_end|>"))
            XCTAssertEqual(tok.endOfTurnToken, imEnd, model)
            XCTAssertTrue(tok.isEndOfGeneration(imEnd))
            XCTAssertTrue(tok.isEndOfGeneration(try XCTUnwrap(tok.tokenID(for: "<|endoftext|>"))))
            XCTAssertFalse(tok.isEndOfGeneration(try XCTUnwrap(tok.tokenID(for: "<|im_start|>"))))
            XCTAssertEqual(tok.encode("<|im_start|>", parseSpecial: true), [tok.tokenID(for: "<|im_start|>")!])
            XCTAssertTrue(tok.specialTokens.contains(imEnd))
        }
    }

    /// Load time of the 151,936-token vocabulary and encode speed on a ~2,000-token prompt, in
    /// wall-clock and thread CPU time (the CPU time is what the limits check: the machine is shared).
    func testLoadAndEncodeSpeed() throws {
        let path = try TestModels.path(TestModels.qwenTarget)
        let file = try GGUFFile(path: path)
        let (tok, loadWall, loadCPU) = try measure { try Tokenizer(gguf: file) }

        let fx = try TokenizerFixtures.load()
        var prompt = ""
        var i = 0
        while tok.encode(prompt).count < 2000 {
            prompt += fx.strings[i % fx.strings.count] + "\n"
            i += 1
        }
        let n = tok.encode(prompt).count
        var bestWall = Double.infinity, bestCPU = Double.infinity
        for _ in 0..<5 {
            let (_, w, c) = measure { tok.encode(prompt) }
            bestWall = min(bestWall, w)
            bestCPU = min(bestCPU, c)
        }
        print(String(format: "tokenizer: load %.0f ms wall / %.0f ms CPU (%d tokens); encode %d tokens in %.2f ms wall / %.2f ms CPU (%.0f tokens/s CPU)",
                     loadWall, loadCPU, tok.vocabSize, n, bestWall, bestCPU, Double(n) / bestCPU * 1000))
        XCTAssertLessThan(loadCPU, 500, "vocabulary load should take well under a second")
        XCTAssertLessThan(bestCPU, 10, "encoding ~2,000 tokens should take a few milliseconds")
    }

    /// Very long words (one run of letters, one of spaces) stay fast: BPE is O(n log n) per word.
    func testLongWordsAreFast() throws {
        let tok = try LoadedTokenizers.get(TestModels.qwenTarget)
        for s in [String(repeating: "a", count: 20_000), String(repeating: " ", count: 20_000) + "x",
                  String(repeating: "😀", count: 3_000)] {
            let (ids, _, cpu) = measure { tok.encode(s) }
            XCTAssertEqual(tok.decode(ids), s)
            XCTAssertLessThan(cpu, 500)
        }
    }

    func testConcurrentEncodingGivesSameIDs() throws {
        let tok = try LoadedTokenizers.get(TestModels.smol)
        let fx = try TokenizerFixtures.load()
        let expected = fx.strings.map { tok.encode($0, parseSpecial: true) }
        let lock = NSLock()
        var bad = 0
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            for (i, s) in fx.strings.enumerated() where i % 4 == k {
                if tok.encode(s, parseSpecial: true) != expected[i] { lock.lock(); bad += 1; lock.unlock() }
            }
        }
        XCTAssertEqual(bad, 0)
    }

    private func measure<T>(_ body: () throws -> T) rethrows -> (T, wallMs: Double, cpuMs: Double) {
        func cpuNow() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
        }
        let w0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuNow()
        let r = try body()
        let c1 = cpuNow(), w1 = DispatchTime.now().uptimeNanoseconds
        return (r, Double(w1 - w0) / 1e6, c1 - c0)
    }
}
