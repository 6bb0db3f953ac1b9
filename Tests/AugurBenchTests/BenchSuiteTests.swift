import AugurBench
import Foundation
import XCTest

final class BenchSuiteTests: XCTestCase {
    /// Three categories, interleaved, one blank line, a second turn that must be ignored.
    static let fixture = """
        {"question_id": 1, "category": "writing", "turns": ["w1 first", "w1 second"]}
        {"question_id": 2, "category": "writing", "turns": ["w2"]}
        {"question_id": 3, "category": "math", "turns": ["m3"]}

        {"question_id": 4, "category": "writing", "turns": ["w4"]}
        {"question_id": 5, "category": "rag", "turns": ["r5"]}
        {"question_id": 6, "category": "math", "turns": ["m6"]}
        {"question_id": 7, "category": "math", "turns": ["m7"]}
        """

    func testPerCategorySelection() throws {
        let one = try SpecBench.parse(Data(Self.fixture.utf8), source: "fixture", perCategory: 1)
        XCTAssertEqual(one.map(\.id), ["1", "3", "5"])
        XCTAssertEqual(one.map(\.category), ["writing", "math", "rag"])
        XCTAssertEqual(one[0].text, "w1 first")  // first turn only

        let two = try SpecBench.parse(Data(Self.fixture.utf8), source: "fixture", perCategory: 2)
        XCTAssertEqual(two.map(\.id), ["1", "2", "3", "6", "5"])  // grouped by category, file order within

        let all = try SpecBench.parse(Data(Self.fixture.utf8), source: "fixture", perCategory: 10)
        XCTAssertEqual(all.map(\.id), ["1", "2", "4", "3", "6", "7", "5"])
    }

    func testLoadFromFileAndBadInput() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-bench-\(UUID()).jsonl")
        try Data(Self.fixture.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try BenchSuite.specBench.prompts(perCategory: 1, specBenchPath: url.path).count, 3)

        XCTAssertThrowsError(try BenchSuite.specBench.prompts(perCategory: 0, specBenchPath: url.path)) {
            XCTAssertTrue("\($0)".contains("--per-category must be ≥ 1, got 0"), "\($0)")
        }
        XCTAssertThrowsError(try BenchSuite.specBench.prompts(perCategory: 1, specBenchPath: "/nonexistent/q.jsonl")) {
            XCTAssertTrue("\($0)".contains("Spec-Bench questions not found at /nonexistent/q.jsonl"), "\($0)")
            XCTAssertTrue("\($0)".contains("--spec-bench"), "\($0)")
        }
        XCTAssertThrowsError(try BenchSuite.named("no-such-suite")) {
            XCTAssertEqual("\($0)", "unknown suite 'no-such-suite' (known: spec-bench, code-edit)")
        }
        XCTAssertEqual(try BenchSuite.named("code-edit"), .codeEdit)

        let broken = Self.fixture + "\n{\"question_id\": 8, \"category\": \"x\"}\n"
        XCTAssertThrowsError(try SpecBench.parse(Data(broken.utf8), source: "f.jsonl", perCategory: 1)) {
            XCTAssertTrue("\($0)".contains("f.jsonl: line 9 is not a Spec-Bench question"), "\($0)")
        }
        XCTAssertThrowsError(try SpecBench.parse(Data("\n\n".utf8), source: "empty.jsonl", perCategory: 1)) {
            XCTAssertTrue("\($0)".contains("holds no questions"), "\($0)")
        }
    }

    func testPromptLines() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-prompts-\(UUID()).txt")
        try Data("first\n\n  \nsecond\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let prompts = try loadPromptLines(path: url.path)
        XCTAssertEqual(prompts.map(\.text), ["first", "second"])
        XCTAssertEqual(prompts.map(\.id), ["prompt-1", "prompt-2"])
        XCTAssertThrowsError(try loadPromptLines(path: "/nonexistent/p.txt"))
    }

    /// The real Spec-Bench file, when present: 13 categories, first question of each.
    func testRealSpecBench() throws {
        let path = BenchSuite.defaultSpecBenchPath
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no Spec-Bench file at \(path)") }
        let prompts = try BenchSuite.specBench.prompts(perCategory: 1)
        XCTAssertEqual(prompts.count, 13)
        XCTAssertEqual(Set(prompts.map(\.category)).count, 13)
    }

    /// 5+ prompts, each a 40-120 line file in one fenced block plus a request for the whole file.
    func testCodeEditSuite() throws {
        let prompts = try BenchSuite.codeEdit.prompts(perCategory: 1)
        XCTAssertGreaterThanOrEqual(prompts.count, 5)
        XCTAssertEqual(Set(prompts.map(\.id)).count, prompts.count)
        for p in prompts {
            XCTAssertEqual(p.category, "code-edit")
            let parts = p.text.components(separatedBy: "```")
            XCTAssertEqual(parts.count, 3, p.id)
            let code = parts[1].split(separator: "\n", omittingEmptySubsequences: false).dropFirst()  // language line
            let lines = code.count - 1  // the fence's own line end
            XCTAssertTrue((40...120).contains(lines), "\(p.id): \(lines) lines")
            XCTAssertTrue(parts[2].contains("complete updated file"), p.id)
            XCTAssertFalse(code.first?.hasPrefix(" ") ?? true, "\(p.id): the literal's indentation leaked into the file")
        }
    }
}
