import AugurEngine
import AugurModels
import AugurSampling
import AugurSpeculative
import AugurTestSupport
import XCTest

final class PromptLookupTreeDrafterTests: XCTestCase {
    private func edges(_ tree: DraftTree?) -> [[Int]] {
        (tree?.nodes ?? []).map { [Int($0.token), $0.parent] }
    }

    private func drafter(minN: Int = 1, maxN: Int = 2, branches: Int = 3, depth: Int = 3, maxNodes: Int = 20) -> PromptLookupTreeDrafter {
        PromptLookupTreeDrafter(vocabularySize: 100, minN: minN, maxN: maxN, branches: branches, depth: depth, maxNodes: maxNodes)
    }

    /// "1 2" occurs at 0 (→ 5 6 7), 6 (→ 5 8 9) and 11 (→ 4 4 9) before the suffix.
    private let threeMatches: [Int32] = [1, 2, 5, 6, 7, 9, 1, 2, 5, 8, 9, 1, 2, 4, 4, 9, 1, 2]

    func testMergesContinuationsIntoTrieLatestFirst() throws {
        let tree = try XCTUnwrap(try drafter().draftTree(context: threeMatches, maxNodes: 63))
        // Latest (4 4 9) first; then 5 8 9; then 5 6 7 shares the 5 node.
        XCTAssertEqual(edges(tree), [[4, -1], [4, 0], [9, 1], [5, -1], [8, 3], [9, 4], [6, 3], [7, 6]])
        XCTAssertEqual(tree.sampling, .deterministic)
        XCTAssertEqual(tree.children(of: -1), [0, 3])
        XCTAssertEqual(tree.children(of: 3), [4, 6])
        XCTAssertEqual(tree.nodes.map(\.depth), [1, 2, 3, 1, 2, 3, 2, 3])
        XCTAssertEqual(tree.tokens(to: 7), [5, 6, 7])
    }

    func testBranchesAndDepthLimit() throws {
        XCTAssertEqual(edges(try drafter(branches: 2).draftTree(context: threeMatches, maxNodes: 63)),
                       [[4, -1], [4, 0], [9, 1], [5, -1], [8, 3], [9, 4]])
        XCTAssertEqual(edges(try drafter(branches: 1).draftTree(context: threeMatches, maxNodes: 63)),
                       [[4, -1], [4, 0], [9, 1]])
        XCTAssertEqual(edges(try drafter(depth: 2).draftTree(context: threeMatches, maxNodes: 63)),
                       [[4, -1], [4, 0], [5, -1], [8, 2], [6, 2]])
        // Depth 1: continuations 4, 5, 5: the repeated 5 adds nothing.
        XCTAssertEqual(edges(try drafter(depth: 1).draftTree(context: threeMatches, maxNodes: 63)), [[4, -1], [5, -1]])
    }

    func testNodeCapKeepsLatestContinuationWholeThenBreadth() throws {
        // Own cap and the caller's cap: the smaller wins.
        XCTAssertEqual(edges(try drafter(maxNodes: 5).draftTree(context: threeMatches, maxNodes: 63)),
                       [[4, -1], [4, 0], [9, 1], [5, -1], [8, 3]])
        XCTAssertEqual(edges(try drafter().draftTree(context: threeMatches, maxNodes: 7)),
                       [[4, -1], [4, 0], [9, 1], [5, -1], [8, 3], [9, 4], [6, 3]])
        XCTAssertEqual(edges(try drafter().draftTree(context: threeMatches, maxNodes: 2)), [[4, -1], [4, 0]])
        XCTAssertNil(try drafter().draftTree(context: threeMatches, maxNodes: 0))
    }

    func testRepeatedContinuationDoesNotUseABranch() throws {
        // "1" at 4 (→ 7), 2 (→ 7), 0 (→ 3): the second 7 is skipped, so two branches reach 3.
        let d = drafter(minN: 1, maxN: 1, branches: 2, depth: 1)
        XCTAssertEqual(edges(try d.draftTree(context: [1, 3, 1, 7, 1, 7, 1], maxNodes: 63)), [[7, -1], [3, -1]])
    }

    func testLongestNWinsAndContinuationStopsAtContextEnd() throws {
        // "1 2" matches once, at 1 (→ 9 3 2); "2" alone would match at 5 too, but the longer n wins.
        XCTAssertEqual(edges(try drafter().draftTree(context: [5, 1, 2, 9, 3, 2, 4, 1, 2], maxNodes: 63)),
                       [[9, -1], [3, 0], [2, 1]])
        // "1 2" at 0, followed by 1 2 (the suffix itself) and then the end of the context.
        XCTAssertEqual(edges(try drafter(depth: 5).draftTree(context: [1, 2, 1, 2], maxNodes: 63)), [[1, -1], [2, 0]])
    }

    func testNoMatchGivesNil() throws {
        let d = drafter(minN: 2, maxN: 3)
        XCTAssertNil(try d.draftTree(context: [1, 2, 3, 4, 5, 1], maxNodes: 8))
        XCTAssertNil(try d.draftTree(context: [], maxNodes: 8))
        XCTAssertNil(try d.draftTree(context: [7], maxNodes: 8))
    }

    /// Brute-force twin: backwards scan for the longest n, distinct continuations latest first, trie by
    /// linear search over the nodes built so far.
    private func referenceTree(_ s: [Int32], minN: Int, maxN: Int, branches: Int, depth: Int, cap: Int) -> [[Int]] {
        for n in stride(from: maxN, through: minN, by: -1) where n < s.count {
            let suffix = Array(s[(s.count - n)...])
            var continuations: [[Int32]] = []
            var start = s.count - n - 1
            while start >= 0 && continuations.count < branches {
                if Array(s[start..<(start + n)]) == suffix {
                    let c = Array(s[(start + n)..<min(start + n + depth, s.count)])
                    if !continuations.contains(c) { continuations.append(c) }
                }
                start -= 1
            }
            guard !continuations.isEmpty else { continue }
            var nodes: [[Int]] = []
            outer: for c in continuations {
                var parent = -1
                for t in c {
                    if let i = nodes.indices.first(where: { nodes[$0] == [Int(t), parent] }) { parent = i; continue }
                    if nodes.count == cap { break outer }
                    nodes.append([Int(t), parent])
                    parent = nodes.count - 1
                }
            }
            return nodes
        }
        return []
    }

    func testMatchesReferenceWhileGrowingAndAfterRestart() throws {
        var rng = SeededRandom(seed: 21)
        let d = PromptLookupTreeDrafter(vocabularySize: 5, minN: 1, maxN: 3, branches: 3, depth: 4, maxNodes: 9)
        var branchy = 0
        for round in 0..<3 {
            var s: [Int32] = (0..<15).map { _ in Int32(rng.next() % 5) }
            try d.begin(prompt: s, reusedPrefix: 0)
            for _ in 0..<120 {
                let cap = Int(rng.next() % 10)
                let tree = try d.draftTree(context: s, maxNodes: cap)
                XCTAssertEqual(edges(tree), referenceTree(s, minN: 1, maxN: 3, branches: 3, depth: 4, cap: min(cap, 9)),
                               "round \(round), length \(s.count)")
                if let tree, tree.children(of: -1).count > 1 { branchy += 1 }
                if let tree, rng.next() % 2 == 0 { s += tree.tokens(to: tree.nodes.count - 1) }
                s.append(Int32(rng.next() % 5))
                try d.accept(committed: s)
            }
        }
        XCTAssertGreaterThan(branchy, 50, "random contexts over 5 tokens should often give several branches")
    }

    /// Greedy identity on the real models: the 1.5B target with prompt-lookup trees emits exactly the
    /// plain greedy tokens (GreedyIdentityTests' 5 prompts × 64 tokens); prints α/τ next to the chain
    /// prompt-lookup drafter with as many tokens per chain as the trees are deep.
    func testQwenPromptLookupTreesMatchGreedyDecoding() throws {
        let loaded = try LoadedModel(path: TestModels.path(TestModels.qwenTarget))
        let params = GenerationParameters(maxTokens: 64, ignoreEndOfGeneration: true)
        var treeSettings = SpeculationSettings()
        treeSettings.tree = .topk
        treeSettings.treeTokens = 12
        treeSettings.treeDepth = 4
        treeSettings.treeTopK = 3
        var chainSettings = SpeculationSettings()
        chainSettings.policy = .fixed
        chainSettings.draftMax = 4
        var tree = SpeculationMetrics(), chain = SpeculationMetrics()
        for text in GreedyIdentityTests.prompts {
            let prompt = try loaded.promptTokens(text, system: nil, raw: false)
            let plain = try loaded.makeGenerator()
                .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 512), parameters: params)
            XCTAssertEqual(plain.tokens.count, 64)
            let treeStep = try XCTUnwrap(treeSettings.makeDecodeStep(target: loaded.model, draft: .ngram,
                                                                     sampling: params.sampling, contextSize: 512))
            XCTAssertTrue(treeStep is TreeSpeculativeStep)
            let spec = try Generator(model: loaded.model, codec: loaded.tokenizer, step: treeStep)
                .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 512), parameters: params)
            XCTAssertEqual(spec.tokens, plain.tokens, "ngram tree: \(text.prefix(40))")
            tree = tree.merged(with: try XCTUnwrap(spec.stats.speculation))
            let chainStep = try XCTUnwrap(chainSettings.makeStep(target: loaded.model, draft: .ngram,
                                                                 sampling: params.sampling, contextSize: 512))
            let chained = try Generator(model: loaded.model, codec: loaded.tokenizer, step: chainStep)
                .generate(prompt: prompt, cache: loaded.model.makeCache(capacity: 512), parameters: params)
            XCTAssertEqual(chained.tokens, plain.tokens, "ngram chain: \(text.prefix(40))")
            chain = chain.merged(with: try XCTUnwrap(chained.stats.speculation))
        }
        print(String(format: "ngram tree (topk 3, depth 4, 12 nodes): α %.3f, τ %.3f, drafted %d, accepted %d",
                     tree.acceptanceRate ?? 0, tree.meanAcceptedLength ?? 0, tree.drafted, tree.accepted))
        print(String(format: "ngram chain (draft 4, fixed): α %.3f, τ %.3f, drafted %d, accepted %d",
                     chain.acceptanceRate ?? 0, chain.meanAcceptedLength ?? 0, chain.drafted, chain.accepted))
        XCTAssertGreaterThan(tree.accepted, 0)
    }
}
