import AugurModels
import AugurTestSupport
import XCTest

/// Tree attention on real models: every node of a token tree scored in one forward gets bit for bit
/// the logits of its path run as a plain chain, and after compaction the cache continues exactly as
/// if only the kept path had ever been run.
final class TreeAttentionTests: XCTestCase {
    /// A tree of 12 nodes with branching up to 3 and depth 4; node 0 is the last committed token.
    /// Siblings are interleaved with cousins, so most ancestor chains are not contiguous slots.
    static let parents = [-1, 0, 0, 0, 1, 2, 1, 4, 5, 4, 7, 3]

    private func path(_ node: Int) -> [Int] {
        var chain = [node], p = Self.parents[node]
        while p >= 0 { chain.append(p); p = Self.parents[p] }
        return chain.reversed()
    }

    private func check(_ name: String, prompt: [Int32]) throws {
        let model = try loadModel(path: TestModels.path(name))
        let vocab = Int32(model.config.vocabSize)
        // Deterministic, distinct node tokens.
        let tokens: [Int32] = [prompt.last!] + (1..<Self.parents.count).map { Int32(($0 * 7919 + 101) % Int(vocab)) }
        let context = Array(prompt.dropLast())

        let cache = model.makeCache(capacity: 256)
        _ = try model.forward(context, cache: cache, rows: .none)
        let base = cache.count
        let tree = try model.forwardTree(tokens, parents: Self.parents, cache: cache)
        XCTAssertEqual(tree.rowCount, tokens.count)
        XCTAssertEqual(cache.count, base + tokens.count)

        // Logits of selected nodes only (a drafter's frontier): the same rows, bit for bit.
        let partialCache = model.makeCache(capacity: 256)
        _ = try model.forward(context, cache: partialCache, rows: .none)
        let selected = [2, 5, 11]
        let partial = try model.forwardTree(tokens, parents: Self.parents, cache: partialCache, logitRows: selected)
        XCTAssertEqual(partial.rowCount, selected.count)
        for (j, node) in selected.enumerated() { XCTAssertEqual(Array(partial.row(j)), Array(tree.row(node))) }
        XCTAssertThrowsError(try model.forwardTree(tokens, parents: Self.parents, cache: partialCache, logitRows: [3, 2]))

        let chainCache = model.makeCache(capacity: 256)
        _ = try model.forward(context, cache: chainCache, rows: .none)
        for node in 0..<tokens.count {
            chainCache.truncate(to: base)
            let chain = try model.forward(path(node).map { tokens[$0] }, cache: chainCache, rows: .all)
            XCTAssertEqual(Array(chain.row(chain.rowCount - 1)), Array(tree.row(node)),
                           "\(name): node \(node) (path \(path(node))) differs from its chain")
        }

        // Keep the path 0 → 1 → 4 → 7 → 10 (slots not contiguous after node 1), then run one more token.
        let kept = path(10)
        cache.compact(keeping: kept.map { base + $0 }, from: base)
        XCTAssertEqual(cache.count, base + kept.count)
        let next: Int32 = 42
        let after = try model.forward([next], cache: cache, rows: .last)
        chainCache.truncate(to: base)
        let reference = try model.forward(kept.map { tokens[$0] } + [next], cache: chainCache, rows: .last)
        XCTAssertEqual(Array(after.row(0)), Array(reference.row(0)), "\(name): continuation after compaction")
    }

    func testTreeNodesMatchTheirChainsSmolLM2() throws {
        try check(TestModels.smol, prompt: [1, 504, 3458, 282, 4114, 314, 253, 1848, 30, 198, 504])
    }

    func testTreeNodesMatchTheirChainsQwen15B() throws {
        // Long enough that the context spans several attention tiles (64 positions each).
        let prompt = (0..<150).map { Int32(($0 * 613 + 17) % 30000) }
        try check(TestModels.qwenTarget, prompt: prompt)
    }

    func testMalformedTreesAreRefusedBeforeAnyWork() throws {
        let model = try loadModel(path: TestModels.path(TestModels.smol))
        let cache = model.makeCache(capacity: 16)
        XCTAssertThrowsError(try model.forwardTree([1, 2, 3], parents: [-1, 2, 0], cache: cache)) {
            guard case ModelError.invalidTree = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try model.forwardTree([1, 2], parents: [-1], cache: cache))
        XCTAssertThrowsError(try model.forwardTree([1, 2], parents: [-2, 0], cache: cache))
        XCTAssertThrowsError(try model.forwardTree(Array(repeating: 1, count: 65), parents: [-1] + Array(0..<64), cache: cache))
        XCTAssertEqual(cache.count, 0, "nothing ran")
        // A batch that does not fit the cache: contextFull, cache unchanged.
        XCTAssertThrowsError(try model.forwardTree(Array(repeating: 1, count: 17), parents: [-1] + Array(0..<16), cache: cache)) {
            guard case ModelError.contextFull = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(cache.count, 0)
    }
}
