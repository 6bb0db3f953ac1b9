import AugurTestSupport
import Foundation
import XCTest

/// `augur bench`'s comparison, identity and verification-cost modes, run through the binary.
extension CLITests {
    func temporaryFile(_ name: String, _ text: String? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-\(UUID())-\(name)")
        if let t = text { try Data(t.utf8).write(to: url) }
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testBenchCheckIdentityWithNgramOnSmol() throws {
        let model = try TestModels.path(TestModels.smol)
        let prompts = try temporaryFile("prompts.txt", "List the days of the week, one per line.\nRepeat after me: red green blue red green blue\n")
        let r = try augur(["bench", "--check-identity", "--model", model, "--draft", "ngram", "--draft-max", "4",
                           "--prompts", prompts.path, "--max-tokens", "32"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        // 2 prompts × (ngram with the fixed policy, ngram with the adaptive policy).
        XCTAssertTrue(r.stdout.contains("4/4 identical"), r.stdout)
        XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count, 4, r.stdout)
        XCTAssertTrue(r.stdout.contains("ngram/fixed") && r.stdout.contains("ngram/adaptive"), r.stdout)
    }

    func testBenchCompareWithNgramOnSmol() throws {
        let model = try TestModels.path(TestModels.smol)
        let md = try temporaryFile("report.md")
        let r = try augur(["bench", "--model", model, "--draft", "ngram", "--prompt", "Count from 1 to 20, separated by commas.",
                           "--max-tokens", "24", "--runs", "2", "--json", "--markdown", md.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let prompts = try XCTUnwrap(json["prompts"] as? [[String: Any]])
        XCTAssertEqual(prompts.count, 1)
        let methods = try XCTUnwrap(prompts[0]["methods"] as? [[String: Any]])
        XCTAssertEqual(methods.map { $0["method"] as? String }, ["ar", "ngram"])
        XCTAssertEqual((methods[0]["runs"] as? [Any])?.count, 2)
        XCTAssertEqual((methods[1]["runs"] as? [Any])?.count, 2)
        XCTAssertEqual(methods[1]["sameTokensAsAR"] as? Bool, true)
        XCTAssertGreaterThan(methods[1]["decodeSpeedup"] as? Double ?? 0, 0)
        XCTAssertNotNil(methods[1]["meanAcceptedLength"] as? Double)
        XCTAssertEqual(methods[0]["generatedTokens"] as? Int, methods[1]["generatedTokens"] as? Int)
        // Progress on stderr, interleaved: AR, ngram, AR, ngram.
        let order = r.stderr.split(separator: "\n").filter { $0.contains("] run ") }.map { $0.contains(" ar: ") ? "ar" : "sd" }
        XCTAssertEqual(order, ["ar", "sd", "ar", "sd"], r.stderr)
        let markdown = try String(contentsOf: md, encoding: .utf8)
        XCTAssertTrue(markdown.contains("| **overall** | ngram | 1 |"), markdown)
    }

    func testBenchVerifyCostOnSmol() throws {
        let model = try TestModels.path(TestModels.smol)
        // The model drafting for itself (c must come out near 1), and requantized to Q4_0 (NAME@REQUANT).
        let r = try augur(["bench", "--verify-cost", "--model", model, "--draft", "\(model),\(model)@q4_0", "--reps", "5", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(json["target"] as? [[String: Any]])
        XCTAssertEqual(rows.compactMap { $0["rows"] as? Int }, Array(1...16))
        XCTAssertEqual(rows[0]["ratio"] as? Double, 1)
        XCTAssertTrue(rows.allSatisfy { ($0["seconds"] as? Double ?? 0) > 0 }, "\(rows)")
        let drafts = try XCTUnwrap(json["drafts"] as? [[String: Any]])
        XCTAssertEqual(drafts.compactMap { $0["draft"] as? String }, [model, model + "@q4_0"])
        let c = try XCTUnwrap(drafts.first?["c"] as? Double)
        XCTAssertTrue((0.5...2).contains(c), "c = \(c) for a model drafting for itself")
        XCTAssertGreaterThan(drafts[1]["c"] as? Double ?? 0, 0)
    }

    func testBenchBadInput() throws {
        let model = try TestModels.path(TestModels.smol)
        let missing = try augur(["bench", "--model", model, "--suite", "spec-bench", "--spec-bench", "/nonexistent/question.jsonl"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("Spec-Bench questions not found at /nonexistent/question.jsonl"), missing.stderr)

        let unknown = try augur(["bench", "--model", model, "--suite", "no-such-suite"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown suite 'no-such-suite' (known: spec-bench, code-edit)"), unknown.stderr)

        let zero = try augur(["bench", "--model", model, "--suite", "code-edit", "--per-category", "0"])
        XCTAssertNotEqual(zero.status, 0)
        XCTAssertTrue(zero.stderr.contains("--per-category must be ≥ 1, got 0"), zero.stderr)

        let sampled = try augur(["bench", "--check-identity", "--model", model, "--temperature", "0.7"])
        XCTAssertNotEqual(sampled.status, 0)
        XCTAssertTrue(sampled.stderr.contains("--check-identity compares greedy outputs"), sampled.stderr)

        let badRequant = try augur(["bench", "--model", model, "--draft", "\(model)@q9_9", "--prompt", "hi"])
        XCTAssertEqual(badRequant.status, 1, badRequant.stderr)
        XCTAssertTrue(badRequant.stderr.contains("the requantization after @ must be"), badRequant.stderr)

        let both = try augur(["bench", "--model", model, "--suite", "code-edit", "--prompt", "hi"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("give one of --suite, --prompt and --prompts"), both.stderr)
    }
}
