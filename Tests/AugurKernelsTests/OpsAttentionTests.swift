import AugurTestSupport
import AugurKernels
import XCTest

final class OpsAttentionTests: XCTestCase {
    /// A random cache of `positions` slots for `shape`, keys and values in f16.
    struct Setup {
        let shape: AttentionShape
        var keys: [Float16]
        var values: [Float16]
        let queries: [Float]
        let rows: Int

        init(heads: Int, kvHeads: Int, headDim: Int, capacity: Int, rows: Int, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            shape = AttentionShape(headCount: heads, kvHeadCount: kvHeads, headDim: headDim, kvHeadStride: capacity * headDim)
            keys = rng.floats(kvHeads * capacity * headDim, -2, 2).map { Float16($0) }
            values = rng.floats(kvHeads * capacity * headDim, -1, 1).map { Float16($0) }
            queries = rng.floats(rows * heads * headDim, -2, 2)
            self.rows = rows
        }

        func run(_ mask: AttentionMask, reference: Bool = false, rows: Range<Int>? = nil) -> [Float] {
            let r = rows ?? 0..<self.rows
            let width = shape.headCount * shape.headDim
            var out = [Float](repeating: .nan, count: r.count * width)
            let q = Array(queries[(r.lowerBound * width)..<(r.upperBound * width)])
            if reference {
                Attention.attendReference(queries: q, rowCount: r.count, keys: keys, values: values, shape: shape, mask: mask, into: &out)
            } else {
                Attention.attend(queries: q, rowCount: r.count, keys: keys, values: values, shape: shape, mask: mask, into: &out)
            }
            return out
        }
    }

    func testCausalMatchesReference() {
        // Group sizes 6 (qwen 1.5B), 3 (SmolLM2), 1; contexts spanning several tiles.
        for (heads, kvHeads, hd, first) in [(12, 2, 128, 150), (9, 3, 64, 3), (2, 2, 16, 0)] {
            let s = Setup(heads: heads, kvHeads: kvHeads, headDim: hd, capacity: 256, rows: 5, seed: UInt64(heads))
            let fast = s.run(.causal(firstPosition: first))
            let ref = s.run(.causal(firstPosition: first), reference: true)
            XCTAssertLessThan(maxAbsDiff(fast, ref), 2e-6, "heads \(heads)/\(kvHeads)")
        }
    }

    /// Row 0 at position 0 sees only itself: its output is V[0] of its KV head.
    func testSinglePositionReturnsItsValue() {
        let s = Setup(heads: 4, kvHeads: 2, headDim: 8, capacity: 4, rows: 1, seed: 9)
        let out = s.run(.causal(firstPosition: 0))
        for h in 0..<4 {
            for i in 0..<8 { XCTAssertEqual(out[h * 8 + i], Float(s.values[(h / 2) * 32 + i]), accuracy: 1e-6) }
        }
    }

    /// Each row gives bit-identical results whether it runs alone or among other rows.
    func testRowsAreIndependentOfBatchSize() {
        let s = Setup(heads: 12, kvHeads: 2, headDim: 128, capacity: 300, rows: 9, seed: 11)
        let first = 200
        let batch = s.run(.causal(firstPosition: first))
        let width = 12 * 128
        for i in 0..<9 {
            let single = s.run(.causal(firstPosition: first + i), rows: i..<(i + 1))
            XCTAssertEqual(single, Array(batch[(i * width)..<((i + 1) * width)]), "row \(i)")
        }
    }

    /// Explicit ranges equal to the causal ones give the same bits; positions outside a row's
    /// ranges do not influence it.
    func testRangeMaskSelectsPositions() {
        var s = Setup(heads: 6, kvHeads: 2, headDim: 64, capacity: 200, rows: 3, seed: 12)
        let causal = s.run(.causal(firstPosition: 100))
        let ranges = s.run(.ranges([[0..<101], [0..<102], [0..<103]]))
        XCTAssertEqual(causal, ranges)

        // A tree-like mask: row 2 skips positions 101 (a sibling branch).
        let tree: AttentionMask = .ranges([[0..<101], [0..<100, 101..<102], [0..<101, 102..<103]])
        let before = s.run(tree)
        XCTAssertLessThan(maxAbsDiff(before, s.run(tree, reference: true)), 2e-6)
        for h in 0..<2 {
            for i in 0..<64 { s.values[h * 200 * 64 + 101 * 64 + i] = 100 }
        }
        let after = s.run(tree)
        let width = 6 * 64
        XCTAssertEqual(Array(before[0..<width]), Array(after[0..<width]))
        XCTAssertEqual(Array(before[(2 * width)...]), Array(after[(2 * width)...]))
        XCTAssertNotEqual(Array(before[width..<(2 * width)]), Array(after[width..<(2 * width)]))
    }
}
