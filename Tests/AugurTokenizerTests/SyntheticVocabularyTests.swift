@testable import AugurTokenizer
import AugurGGUF
import XCTest

/// Tokenizer behaviour on small hand-made vocabularies (no model files needed).
final class SyntheticVocabularyTests: XCTestCase {
    private func tokenizer(extra: [String], merges: [String], special: [String] = [], pre: String = "qwen2") throws -> Tokenizer {
        try Tokenizer(gguf: TinyGGUF.bpeVocabulary(extra: extra, merges: merges, special: special, pre: pre))
    }

    private func ids(_ tok: Tokenizer, _ spellings: [String]) -> [Int32] {
        spellings.map { tok.tokenID(for: $0)! }
    }

    func testLowestRankMergesFirst() throws {
        let t1 = try tokenizer(extra: ["ab", "bc", "abc"], merges: ["a b", "b c", "ab c"])
        XCTAssertEqual(t1.encode("abc"), ids(t1, ["abc"]))
        XCTAssertEqual(t1.encode("ab"), ids(t1, ["ab"]))
        XCTAssertEqual(t1.encode("bcab"), ids(t1, ["bc", "ab"]))
        // With "b c" ranked first, "abc" becomes a + bc; no merge "a bc" exists, so it stays two tokens.
        let t2 = try tokenizer(extra: ["ab", "bc", "abc"], merges: ["b c", "a b", "ab c"])
        XCTAssertEqual(t2.encode("abc"), ids(t2, ["a", "bc"]))
        XCTAssertEqual(t1.unusableMergeCount, 0)
    }

    func testEqualRanksMergeLeftmostFirst() throws {
        let t = try tokenizer(extra: ["aa", "aaa"], merges: ["a a"])
        XCTAssertEqual(t.encode("aaa"), ids(t, ["aa", "a"]))
        XCTAssertEqual(t.encode("aaaa"), ids(t, ["aa", "aa"]))
        let t3 = try tokenizer(extra: ["aa", "aaa"], merges: ["a a", "aa a"])
        // a a a a a → aa a a a → aa aa a (next rank-0 pair) → aa aaa (only "aa a" is left).
        XCTAssertEqual(t3.encode("aaaaa"), ids(t3, ["aa", "aaa"]))
    }

    func testBytesWithoutMergesAndWordBoundaries() throws {
        let t = try tokenizer(extra: ["Ġb", "ab"], merges: ["Ġ b", "a b"])
        // qwen2 splits "ab ab" into "ab" and " ab": the space joins the following word.
        XCTAssertEqual(t.encode("ab ab"), ids(t, ["ab", "Ġ", "ab"]))
        XCTAssertEqual(t.encode("a b"), ids(t, ["a", "Ġb"]))
        // Multi-byte characters without merges become their UTF-8 bytes.
        XCTAssertEqual(t.encode("é"), ids(t, ["Ã", "©"]))
        XCTAssertEqual(t.decode(t.encode("é ab\n")), "é ab\n")
        XCTAssertEqual(t.encode(""), [])
    }

    func testUnusableMergesAreCounted() throws {
        let t = try tokenizer(extra: ["ab"], merges: ["a b", "x yz", "nospace"])
        XCTAssertEqual(t.unusableMergeCount, 2)
        XCTAssertEqual(t.encode("ab"), ids(t, ["ab"]))
    }

    func testSpecialTokensOnlyWhenAsked() throws {
        let t = try tokenizer(extra: [], merges: [], special: ["<|s|>", "<|s|><|s|>x"])
        let s = t.tokenID(for: "<|s|>")!, long = t.tokenID(for: "<|s|><|s|>x")!
        XCTAssertEqual(t.encode("a<|s|>b", parseSpecial: true), ids(t, ["a"]) + [s] + ids(t, ["b"]))
        XCTAssertFalse(t.encode("a<|s|>b", parseSpecial: false).contains(s))
        XCTAssertEqual(t.decode(t.encode("a<|s|>b", parseSpecial: false)), "a<|s|>b")
        // Longest special token first.
        XCTAssertEqual(t.encode("<|s|><|s|>x<|s|>", parseSpecial: true), [long, s])
        XCTAssertEqual(t.specialTokens, [s, long])
        XCTAssertEqual(t.decode([s], renderSpecial: false), "")
        XCTAssertEqual(t.decode([s]), "<|s|>")
    }

    func testUnsupportedModelAndPreTokenizerAreTypedErrors() throws {
        XCTAssertThrowsError(try Tokenizer(gguf: TinyGGUF.bpeVocabulary(extra: [], merges: [], model: "llama"))) { e in
            XCTAssertEqual(e as? TokenizerError, .unsupportedModel("llama"))
        }
        XCTAssertThrowsError(try Tokenizer(gguf: TinyGGUF.bpeVocabulary(extra: [], merges: [], pre: "tekken"))) { e in
            XCTAssertEqual(e as? TokenizerError, .unsupportedPreTokenizer("tekken"))
            let message = String(describing: e)
            XCTAssertTrue(message.contains("qwen2") && message.contains("smollm"), message)
        }
        XCTAssertThrowsError(try Tokenizer(gguf: TinyGGUF.file([("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm"))]))) { e in
            XCTAssertEqual(e as? TokenizerError, .missingMetadata("tokenizer.ggml.tokens"))
        }
        let badEOS = try TinyGGUF.file([
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("qwen2")),
            ("tokenizer.ggml.tokens", .strings(["a", "b"])), ("tokenizer.ggml.merges", .strings([])),
            ("tokenizer.ggml.eos_token_id", .int32(7)),
        ])
        XCTAssertThrowsError(try Tokenizer(gguf: badEOS)) { e in
            XCTAssertEqual(e as? TokenizerError, .tokenIDOutOfRange(key: "tokenizer.ggml.eos_token_id", id: 7, vocabSize: 2))
        }
    }

    func testByteAlphabetRoundTrips() {
        let all = (0...255).map(UInt8.init)
        XCTAssertEqual(ByteLevel.decode(ByteLevel.encode(all)), all)
        XCTAssertEqual(ByteLevel.encode([0x20, 0x0A, 0x61]), "ĠĊa")
        XCTAssertEqual(Set(ByteLevel.scalarForByte).count, 256)
    }
}
