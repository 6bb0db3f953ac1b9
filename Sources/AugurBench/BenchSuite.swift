import Foundation

/// One benchmark prompt: a user message sent through the model's chat template.
public struct BenchPrompt: Sendable, Codable, Equatable {
    /// Stable identifier: Spec-Bench's `question_id`, a code-edit prompt's name, or `prompt-<line>`.
    public var id: String
    /// Spec-Bench category (`writing`, `coding`, …), `code-edit`, or `prompts` for user files.
    public var category: String
    /// The user message.
    public var text: String

    public init(id: String, category: String, text: String) {
        self.id = id
        self.category = category
        self.text = text
    }
}

/// A prompt set could not be loaded or selected; the message says what and how to fix it.
public struct BenchSuiteError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The named prompt suites of `augur bench --suite`.
public enum BenchSuite: String, Sendable, CaseIterable {
    /// Spec-Bench (Xia et al. 2024, arXiv 2401.07851): 13 categories, first turn of each question.
    case specBench = "spec-bench"
    /// Augur's own code-editing prompts (`CodeEditSuite`): a source file plus a requested change,
    /// answered with the whole updated file (prompt lookup's best case).
    case codeEdit = "code-edit"

    /// Where Spec-Bench's questions are looked for when no path is given: `AUGUR_SPEC_BENCH`, else
    /// `../shared/data/spec_bench/question.jsonl` relative to the working directory.
    public static var defaultSpecBenchPath: String {
        ProcessInfo.processInfo.environment["AUGUR_SPEC_BENCH"] ?? "../shared/data/spec_bench/question.jsonl"
    }

    /// The suite called `name`.
    /// - Throws: `BenchSuiteError` naming the known suites.
    public static func named(_ name: String) throws -> BenchSuite {
        guard let s = BenchSuite(rawValue: name) else {
            let known = allCases.map(\.rawValue).joined(separator: ", ")
            throw BenchSuiteError("unknown suite '\(name)' (known: \(known))")
        }
        return s
    }

    /// The suite's prompts: the first `perCategory` of each category, categories in order of first
    /// appearance (the code-edit suite ignores `perCategory` and returns all its prompts).
    /// - Throws: `BenchSuiteError` (missing or malformed question file, `perCategory` < 1).
    public func prompts(perCategory: Int, specBenchPath: String? = nil) throws -> [BenchPrompt] {
        guard perCategory >= 1 else { throw BenchSuiteError("--per-category must be ≥ 1, got \(perCategory)") }
        switch self {
        case .codeEdit: return CodeEditSuite.prompts
        case .specBench:
            return try SpecBench.load(path: specBenchPath ?? Self.defaultSpecBenchPath, perCategory: perCategory)
        }
    }
}

/// Reader of Spec-Bench's `question.jsonl`: one JSON object per line with `question_id`, `category`
/// and `turns` (the user turns of a conversation; the benchmark uses the first).
public enum SpecBench {
    private struct Question: Decodable {
        var question_id: Int
        var category: String
        var turns: [String]
    }

    /// The first `perCategory` questions of each category (file order), first turn only.
    /// - Throws: `BenchSuiteError` when the file is missing or unreadable, a line is not a question,
    ///   or the file holds no questions.
    public static func load(path: String, perCategory: Int) throws -> [BenchPrompt] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchSuiteError("Spec-Bench questions not found at \(path) "
                                  + "(give the file with --spec-bench FILE or set AUGUR_SPEC_BENCH)")
        }
        return try parse(data, source: path, perCategory: perCategory)
    }

    /// Parses question lines (blank lines skipped) and selects the first `perCategory` per category.
    /// - Throws: `BenchSuiteError` naming `source` and the line number of a malformed line.
    public static func parse(_ data: Data, source: String, perCategory: Int) throws -> [BenchPrompt] {
        guard perCategory >= 1 else { throw BenchSuiteError("--per-category must be ≥ 1, got \(perCategory)") }
        var taken: [String: Int] = [:]
        var prompts: [BenchPrompt] = []
        let decoder = JSONDecoder()
        for (i, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }  // blank
            let q: Question
            do {
                q = try decoder.decode(Question.self, from: Data(line))
            } catch {
                throw BenchSuiteError("\(source): line \(i + 1) is not a Spec-Bench question (question_id, category, turns)")
            }
            guard let first = q.turns.first else {
                throw BenchSuiteError("\(source): line \(i + 1), question \(q.question_id) has no turns")
            }
            let n = taken[q.category, default: 0]
            guard n < perCategory else { continue }
            taken[q.category] = n + 1
            prompts.append(BenchPrompt(id: String(q.question_id), category: q.category, text: first))
        }
        guard !prompts.isEmpty else { throw BenchSuiteError("\(source) holds no questions") }
        // Group by category in order of first appearance (the file already is, but do not rely on it).
        var order: [String] = []
        for p in prompts where !order.contains(p.category) { order.append(p.category) }
        return order.flatMap { c in prompts.filter { $0.category == c } }
    }
}

/// Prompts from a text file, one per line (blank lines skipped), category `prompts`.
/// - Throws: `BenchSuiteError` when the file cannot be read or holds no prompt.
public func loadPromptLines(path: String) throws -> [BenchPrompt] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BenchSuiteError("cannot read prompts file \(path)")
    }
    let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        .map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    guard !lines.isEmpty else { throw BenchSuiteError("prompts file \(path) has no prompts") }
    return lines.enumerated().map { BenchPrompt(id: "prompt-\($0.offset + 1)", category: "prompts", text: $0.element) }
}
