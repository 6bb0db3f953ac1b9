import AugurEngine
import Foundation

/// What `augur bench` measured when comparing AR with speculative methods: per prompt, per
/// category and overall. Encodes as the `--json` output; `table()` and `markdown()` format it.
public struct ComparisonReport: Sendable, Codable, Equatable {
    /// How the numbers were taken (echoed so a pasted table says what it is).
    public struct Setup: Sendable, Codable, Equatable {
        public var model: String
        /// Method names in order: `ar` first.
        public var methods: [String]
        /// `--draft-policy` and `--draft-max`.
        public var draftPolicy: String
        public var draftMax: Int
        public var threads: Int
        public var maxTokens: Int
        public var runs: Int
        public var temperature: Float
        /// The suite or prompt source (`spec-bench`, `code-edit`, a file, `--prompt`).
        public var source: String

        public init(model: String, methods: [String], draftPolicy: String, draftMax: Int, threads: Int, maxTokens: Int,
                    runs: Int, temperature: Float, source: String) {
            self.model = model
            self.methods = methods
            self.draftPolicy = draftPolicy
            self.draftMax = draftMax
            self.threads = threads
            self.maxTokens = maxTokens
            self.runs = runs
            self.temperature = temperature
            self.source = source
        }
    }

    public var setup: Setup
    public var prompts: [PromptComparison]
    /// One group per category, in order of first appearance.
    public var categories: [GroupSummary]
    /// All prompts together.
    public var overall: GroupSummary

    public init(setup: Setup, prompts: [PromptComparison]) {
        self.setup = setup
        self.prompts = prompts
        var order: [String] = []
        for p in prompts where !order.contains(p.category) { order.append(p.category) }
        categories = order.map { c in GroupSummary(name: c, prompts: prompts.filter { $0.category == c }) }
        overall = GroupSummary(name: "overall", prompts: prompts)
    }

    public func jsonText() throws -> String { try benchJSON(self) }

    // MARK: Formatting

    static func f(_ x: Double?, _ digits: Int = 1) -> String {
        x.map { String(format: "%.\(digits)f", $0) } ?? "-"
    }

    static func x(_ x: Double?) -> String { x.map { String(format: "%.2fx", $0) } ?? "-" }

    static func positions(_ p: [Double?], limit: Int = 8) -> String {
        p.isEmpty ? "-" : p.prefix(limit).map { f($0, 2) }.joined(separator: " ")
    }

    var setupLine: String {
        let s = setup
        return "model \(s.model), \(s.threads) threads, \(s.source), max \(s.maxTokens) new tokens, "
            + "T \(Self.f(Double(s.temperature), 2)), median of \(s.runs) interleaved runs, "
            + "draft policy \(s.draftPolicy) (max \(s.draftMax))"
    }

    /// Fixed-width text: one line per prompt and method, then the category and overall summaries.
    public func table() -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        let w = max(8, setup.methods.map(\.count).max() ?? 0)
        let pw = min(40, max(16, prompts.map { $0.category.count + $0.id.count + 1 }.max() ?? 0)) + 2
        var out = setupLine + "\n\n"
        out += pad("prompt", pw) + pad("method", w + 2) + lpad("tokens", 7) + lpad("dec tok/s", 11) + lpad("e2e tok/s", 11)
            + lpad("speedup", 9) + lpad("e2e", 7) + lpad("α", 6) + lpad("τ", 6) + "  same  per-position\n"
        for p in prompts {
            for m in p.methods {
                out += pad(String("\(p.category)/\(p.id)".prefix(pw - 1)), pw) + pad(m.method, w + 2)
                out += lpad("\(m.generatedTokens)", 7) + lpad(Self.f(m.decodeTokensPerSecond), 11)
                out += lpad(Self.f(m.endToEndTokensPerSecond), 11) + lpad(Self.x(m.decodeSpeedup), 9)
                out += lpad(Self.x(m.endToEndSpeedup), 7) + lpad(Self.f(m.acceptanceRate, 2), 6)
                out += lpad(Self.f(m.meanAcceptedLength, 2), 6)
                out += "  " + pad(m.sameTokensAsAR.map { $0 ? "yes" : "NO" } ?? "", 4)
                out += "  " + (m.speculation == nil ? "" : Self.positions(m.perPositionAcceptance)) + "\n"
            }
        }
        out += "\n" + pad("category", 18) + pad("method", w + 2) + lpad("prompts", 7) + lpad("dec tok/s", 11)
            + lpad("e2e tok/s", 11) + lpad("speedup", 9) + lpad("e2e", 7) + lpad("min", 7) + lpad("α", 6) + lpad("τ", 6)
            + "  per-position\n"
        for g in categories + [overall] {
            for m in g.methods {
                out += pad(g.name, 18) + pad(m.method, w + 2) + lpad("\(g.prompts)", 7)
                out += lpad(Self.f(m.decodeTokensPerSecond), 11) + lpad(Self.f(m.endToEndTokensPerSecond), 11)
                out += lpad(Self.x(m.decodeSpeedup), 9) + lpad(Self.x(m.endToEndSpeedup), 7) + lpad(Self.x(m.minDecodeSpeedup), 7)
                out += lpad(Self.f(m.acceptanceRate, 2), 6) + lpad(Self.f(m.meanAcceptedLength, 2), 6)
                out += "  " + (m.method == "ar" ? "" : Self.positions(m.perPositionAcceptance)) + "\n"
            }
        }
        let differing = overall.methods.map(\.differingPrompts).reduce(0, +)
        if setup.temperature == 0 {
            out += differing == 0 ? "\nall speculative outputs equal AR's token for token\n"
                : "\nWARNING: \(differing) speculative outputs differ from AR's (greedy runs must not)\n"
        }
        return out
    }

    /// Markdown: a per-category table (one row per category and drafter, AR's tok/s beside it and an
    /// overall row), then the per-prompt table.
    public func markdown() -> String {
        var out = "<!-- augur bench: \(setupLine) -->\n\n"
        out += "| category | method | prompts | AR dec tok/s | SD dec tok/s | speedup | AR e2e tok/s | SD e2e tok/s | e2e speedup | min speedup | α | τ | per-position acceptance |\n"
        out += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
        for g in categories + [overall] {
            guard let ar = g.methods.first else { continue }
            for m in g.methods.dropFirst() {
                let name = g.name == "overall" ? "**overall**" : g.name
                out += "| \(name) | \(m.method) | \(g.prompts) | \(Self.f(ar.decodeTokensPerSecond)) | \(Self.f(m.decodeTokensPerSecond)) "
                    + "| \(Self.x(m.decodeSpeedup)) | \(Self.f(ar.endToEndTokensPerSecond)) | \(Self.f(m.endToEndTokensPerSecond)) "
                    + "| \(Self.x(m.endToEndSpeedup)) | \(Self.x(m.minDecodeSpeedup)) | \(Self.f(m.acceptanceRate, 2)) "
                    + "| \(Self.f(m.meanAcceptedLength, 2)) | \(Self.positions(m.perPositionAcceptance)) |\n"
            }
        }
        out += "\n| prompt | category | prompt tokens | tokens | method | AR dec tok/s | SD dec tok/s | speedup | e2e speedup | α | τ | same tokens |\n"
        out += "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|\n"
        for p in prompts {
            guard let ar = p.methods.first else { continue }
            for m in p.methods.dropFirst() {
                out += "| \(p.id) | \(p.category) | \(p.promptTokens) | \(m.generatedTokens) | \(m.method) "
                    + "| \(Self.f(ar.decodeTokensPerSecond)) | \(Self.f(m.decodeTokensPerSecond)) | \(Self.x(m.decodeSpeedup)) "
                    + "| \(Self.x(m.endToEndSpeedup)) | \(Self.f(m.acceptanceRate, 2)) | \(Self.f(m.meanAcceptedLength, 2)) "
                    + "| \(m.sameTokensAsAR.map { $0 ? "yes" : "no" } ?? "-") |\n"
            }
        }
        return out
    }
}

/// `value` as the bench's JSON: pretty-printed, keys sorted, slashes unescaped (stable, diffable output).
/// - Throws: `EncodingError` for values JSON cannot represent (e.g. a non-finite double).
public func benchJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
