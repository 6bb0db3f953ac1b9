import AugurTestSupport
import Foundation
import XCTest

/// `augur generate`'s speculative flags, run through the binary.
extension CLITests {
    func testGenerateDraftsWithPromptLookupByDefaultOnSmolAndComparesWithPlainDecoding() throws {
        let model = try TestModels.path(TestModels.smol)
        let r = try augur(["generate", "--model", "smollm2-135m-instruct", "--max-tokens", "32", "--compare-ar",
                           "--draft-policy", "fixed", "--draft-max", "4",
                           "Repeat exactly: one two three four five six seven eight, one two three four five six seven eight"])
        XCTAssertFalse(model.isEmpty)
        XCTAssertEqual(r.status, 0, r.stderr)
        // A model without a registered draft gets prompt lookup, and the line reports α and τ.
        XCTAssertTrue(r.stderr.contains("draft ngram | speculation: drafted "), r.stderr)
        XCTAssertTrue(r.stderr.contains("α ") && r.stderr.contains("τ "), r.stderr)
        XCTAssertTrue(r.stderr.contains("plain decoding: prompt "), r.stderr)
        XCTAssertTrue(r.stderr.contains("same tokens: yes"), r.stderr)
    }

    func testGenerateNoneDecodesPlainly() throws {
        let model = try TestModels.path(TestModels.smol)
        let r = try augur(["generate", "--model", model, "--draft", "none", "--max-tokens", "4", "hi"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("speculation:"), r.stderr)
    }

    func testIncompatibleDraftIsRefusedBeforeDecoding() throws {
        let model = try TestModels.path(TestModels.smol)
        let qwen = try TestModels.path(TestModels.qwenDraft)
        let r = try augur(["generate", "--model", model, "--draft", qwen, "--max-tokens", "4", "hi"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("cannot draft for"), r.stderr)
        XCTAssertTrue(r.stderr.contains("differ"), r.stderr)
        XCTAssertTrue(r.stdout.isEmpty, r.stdout)
    }

    func testSpeculationFlagErrors() throws {
        let model = try TestModels.path(TestModels.smol)
        // Greedy verification is only exact at temperature 0.
        var r = try augur(["generate", "--model", model, "--verifier", "greedy", "--temperature", "0.7", "hi"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("greedy verification is only exact at temperature 0"), r.stderr)
        for (flags, message) in [(["--draft-max", "-1"], "--draft-max"), (["--draft-p-min", "2"], "--draft-p-min"),
                                 (["--draft-policy", "sometimes"], "draft-policy")] {
            r = try augur(["generate", "--model", model] + flags + ["hi"])
            XCTAssertNotEqual(r.status, 0, "\(flags)")
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
    }
}
