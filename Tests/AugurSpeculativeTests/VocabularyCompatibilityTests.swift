import AugurGGUF
import AugurSpeculative
import AugurTestSupport
import AugurTokenizer
import Foundation
import XCTest

final class VocabularyCompatibilityTests: XCTestCase {
    /// A tokenizer over `tokens` (byte-level BPE, no merges), built from a metadata-only GGUF written
    /// with the test-support writer.
    private func tokenizer(_ tokens: [String], bos: Int32? = nil, eos: Int32? = nil, addBOS: Bool = false) throws -> Tokenizer {
        var w = GGUFWriter()
        w.add("tokenizer.ggml.model", .string("gpt2"))
        w.add("tokenizer.ggml.pre", .string("qwen2"))
        w.addArray("tokenizer.ggml.tokens", of: .string, tokens.map { .string($0) })
        w.addArray("tokenizer.ggml.merges", of: .string, [])
        if let bos { w.add("tokenizer.ggml.bos_token_id", .uint32(UInt32(bos))) }
        if let eos { w.add("tokenizer.ggml.eos_token_id", .uint32(UInt32(eos))) }
        w.add("tokenizer.ggml.add_bos_token", .bool(addBOS))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-vocab-\(UUID().uuidString).gguf")
        try w.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Tokenizer(gguf: GGUFFile(path: url.path))
    }

    private func mismatch(_ target: Tokenizer, _ draft: Tokenizer, allowed: Int = 128) -> VocabularyMismatch? {
        do {
            try VocabularyCompatibility.check(target: target, draft: draft, allowedSizeDifference: allowed)
            return nil
        } catch let e as VocabularyMismatch {
            return e
        } catch {
            XCTFail("unexpected error \(error)")
            return nil
        }
    }

    private let base = ["a", "b", "c", "<|endoftext|>", "ab"]

    func testIdenticalAndPaddedVocabulariesAreCompatible() throws {
        let t = try tokenizer(base, eos: 3)
        XCTAssertNil(mismatch(t, try tokenizer(base, eos: 3)))
        let padded = try tokenizer(base + ["[PAD0]", "[PAD1]", "[PAD2]"], eos: 3)
        XCTAssertNil(mismatch(padded, t, allowed: 3))
        XCTAssertNil(mismatch(t, padded, allowed: 3))
        XCTAssertEqual(mismatch(padded, t, allowed: 2), .sizeDifference(target: 8, draft: 5, allowed: 2))
    }

    func testDifferentTokenStringIsReportedWithIdAndBothStrings() throws {
        var other = base
        other[2] = "x"
        let e = mismatch(try tokenizer(base, eos: 3), try tokenizer(other, eos: 3))
        XCTAssertEqual(e, .tokenDiffers(id: 2, target: "c", draft: "x"))
        XCTAssertEqual(e?.description, "token 2 differs: target \"c\", draft \"x\"")
    }

    func testSpecialTokenMismatches() throws {
        XCTAssertEqual(mismatch(try tokenizer(base, eos: 3), try tokenizer(base, eos: 4)),
                       .specialTokenDiffers(name: "EOS", target: 3, draft: 4))
        XCTAssertEqual(mismatch(try tokenizer(base, bos: 0, eos: 3), try tokenizer(base, eos: 3)),
                       .specialTokenDiffers(name: "BOS", target: 0, draft: nil))
        XCTAssertEqual(mismatch(try tokenizer(base, eos: 3, addBOS: true), try tokenizer(base, eos: 3)),
                       .addBOSDiffers(target: true, draft: false))
    }

    func testQwenCoderSizesAreCompatible() throws {
        let target = try Tokenizer(gguf: GGUFFile(path: TestModels.path(TestModels.qwenTarget)))
        let draft = try Tokenizer(gguf: GGUFFile(path: TestModels.path(TestModels.qwenDraft)))
        XCTAssertNoThrow(try VocabularyCompatibility.check(target: target, draft: draft))
    }

    func testSmolLMCannotDraftForQwen() throws {
        let smol = try Tokenizer(gguf: GGUFFile(path: TestModels.path(TestModels.smol)))
        let qwen = try Tokenizer(gguf: GGUFFile(path: TestModels.path(TestModels.qwenTarget)))
        let e = try XCTUnwrap(mismatch(qwen, smol))
        guard case .sizeDifference(let t, let d, _) = e else { return XCTFail("expected a size mismatch, got \(e)") }
        XCTAssertEqual(t, qwen.vocabSize)
        XCTAssertEqual(d, smol.vocabSize)
        XCTAssertTrue(e.description.contains("\(smol.vocabSize)"), e.description)
        // Even with any size difference allowed, the shared ids spell different strings.
        let e2 = try XCTUnwrap(mismatch(qwen, smol, allowed: .max))
        print("SmolLM2 as draft of Qwen: \(e2)")
    }
}
