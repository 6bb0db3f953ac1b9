import AugurTestSupport
import AugurKernels
import Foundation
import XCTest

final class OpsActivationTests: XCTestCase {
    func testFastExpIsAccurate() {
        var worst: Double = 0
        var x: Float = -80
        while x < 80 {
            let fast = Double(FastExp.exp(x)), exact = Foundation.exp(Double(x))
            worst = max(worst, abs(fast - exact) / exact)
            x += 0.01337
        }
        XCTAssertLessThan(worst, 3e-7)  // ≈ 2.5 ulp of Float
        XCTAssertEqual(FastExp.exp(0), 1)
        XCTAssertLessThan(FastExp.exp(-1000), 1e-37)
    }

    func testSiLUAndSwiGLUMatchReference() {
        var rng = SeededRandom(seed: 2)
        let n = 1003
        let g = rng.floats(n, -20, 20), u = rng.floats(n, -2, 2)
        var fast = g, ref = g
        Activation.silu(&fast, count: n)
        Activation.siluReference(&ref, count: n)
        for i in 0..<n { XCTAssertEqual(fast[i], ref[i], accuracy: 1e-6 * max(1, abs(ref[i]))) }
        XCTAssertEqual(ref[0], g[0] / (1 + Foundation.exp(-g[0])), accuracy: 1e-6)

        var y = [Float](repeating: 0, count: n), yRef = y
        Activation.swiglu(gate: g, up: u, count: n, into: &y)
        Activation.swigluReference(gate: g, up: u, count: n, into: &yRef)
        for i in 0..<n {
            XCTAssertEqual(y[i], yRef[i], accuracy: 1e-6 * max(1, abs(yRef[i])))
            XCTAssertEqual(yRef[i], ref[i] * u[i], accuracy: 1e-5 * max(1, abs(yRef[i])))
        }
    }

    func testSoftmaxMatchesReferenceAndSumsToOne() {
        var rng = SeededRandom(seed: 3)
        for n in [1, 5, 8, 100, 4099] {
            var fast = rng.floats(n, -30, 30), ref = fast
            Activation.softmax(&fast, count: n)
            Activation.softmaxReference(&ref, count: n)
            XCTAssertLessThan(maxAbsDiff(fast, ref), 1e-6)
            XCTAssertEqual(ref.reduce(0, +), 1, accuracy: 1e-4)
        }
        var two: [Float] = [0, Float(Foundation.log(3.0))]
        Activation.softmax(&two, count: 2)
        XCTAssertEqual(two[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(two[1], 0.75, accuracy: 1e-6)
    }
}
