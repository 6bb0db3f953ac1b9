import AugurTestSupport
import AugurKernels
import Foundation
import XCTest

final class OpsRopeTests: XCTestCase {
    func testTableMatchesDefinition() {
        let positions = [0, 1, 17, 4095]
        let hd = 64
        var c = [Float](repeating: 0, count: positions.count * hd / 2), s = c
        Rope.table(positions: positions, count: positions.count, headDim: hd, base: 10000, cos: &c, sin: &s)
        for (r, p) in positions.enumerated() {
            for i in 0..<(hd / 2) {
                let angle = Double(p) / Foundation.pow(10000, Double(2 * i) / Double(hd))
                XCTAssertEqual(Double(c[r * hd / 2 + i]), Foundation.cos(angle), accuracy: 1e-6)
                XCTAssertEqual(Double(s[r * hd / 2 + i]), Foundation.sin(angle), accuracy: 1e-6)
            }
        }
        XCTAssertEqual(c[0], 1)
        XCTAssertEqual(s[0], 0)
    }

    func testApplyMatchesReferenceForBothLayouts() {
        var rng = SeededRandom(seed: 4)
        for layout in [RopeLayout.halfSplit, .adjacentPairs] {
            for hd in [64, 128, 12] {
                let heads = 3
                let x = rng.floats(heads * hd, -2, 2)
                var c = [Float](repeating: 0, count: hd / 2), s = c
                Rope.table(positions: [37], count: 1, headDim: hd, base: 1_000_000, cos: &c, sin: &s)
                var fast = x, ref = x
                Rope.apply(&fast, headCount: heads, headDim: hd, cos: c, sin: s, layout: layout)
                Rope.applyReference(&ref, headCount: heads, headDim: hd, cos: c, sin: s, layout: layout)
                XCTAssertEqual(fast, ref, "\(layout) hd \(hd)")
                // A rotation keeps the norm of each pair.
                for h in 0..<heads {
                    for i in 0..<(hd / 2) {
                        let (a, b) = layout == .halfSplit ? (h * hd + i, h * hd + i + hd / 2) : (h * hd + 2 * i, h * hd + 2 * i + 1)
                        XCTAssertEqual(x[a] * x[a] + x[b] * x[b], ref[a] * ref[a] + ref[b] * ref[b], accuracy: 1e-4)
                    }
                }
                XCTAssertNotEqual(ref, x)
            }
        }
    }

    /// Position 0 is the identity; the pairing differs between layouts.
    func testLayoutsPairDifferentDimensions() {
        let hd = 8
        var c = [Float](repeating: 0, count: hd / 2), s = c
        Rope.table(positions: [1], count: 1, headDim: hd, base: 10000, cos: &c, sin: &s)
        var a: [Float] = [1, 0, 0, 0, 0, 0, 0, 0], b = a
        Rope.applyReference(&a, headCount: 1, headDim: hd, cos: c, sin: s, layout: .adjacentPairs)
        Rope.applyReference(&b, headCount: 1, headDim: hd, cos: c, sin: s, layout: .halfSplit)
        XCTAssertEqual(a[1], Float(Foundation.sin(1.0)), accuracy: 1e-6)  // partner of dim 0 is dim 1
        XCTAssertEqual(b[4], Float(Foundation.sin(1.0)), accuracy: 1e-6)  // partner of dim 0 is dim 4
        XCTAssertEqual(a[4], 0)
        XCTAssertEqual(b[1], 0)
    }
}
