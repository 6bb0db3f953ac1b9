import AugurTestSupport
import AugurKernels
import XCTest

final class OpsNormTests: XCTestCase {
    func testRMSNormMatchesReference() {
        var rng = SeededRandom(seed: 1)
        for n in [1, 7, 16, 64, 576, 1536, 1539] {
            let x = rng.floats(n, -3, 3), w = rng.floats(n, 0.5, 1.5)
            var fast = [Float](repeating: 0, count: n), ref = fast
            Norm.rms(x, weight: w, count: n, eps: 1e-6, into: &fast)
            Norm.rmsReference(x, weight: w, count: n, eps: 1e-6, into: &ref)
            XCTAssertLessThan(maxAbsDiff(fast, ref), 1e-5, "n = \(n)")
        }
    }

    /// A constant row c normalises to sign(c) · weight (up to eps).
    func testRMSNormOfConstantRowIsWeight() {
        let x = [Float](repeating: -4, count: 32), w = (0..<32).map { Float($0) / 8 }
        var y = [Float](repeating: 0, count: 32)
        Norm.rms(x, weight: w, count: 32, eps: 0, into: &y)
        for i in 0..<32 { XCTAssertEqual(y[i], -w[i], accuracy: 1e-6) }
    }
}
