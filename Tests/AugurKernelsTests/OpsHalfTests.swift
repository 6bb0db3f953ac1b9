import AugurTestSupport
import AugurKernels
import XCTest

final class OpsHalfTests: XCTestCase {
    /// Every binary16 bit pattern widens to the same float (NaNs: to a NaN) in both forms.
    func testWidenMatchesReferenceForAllHalves() {
        let halves = (0...UInt16.max).map { Float16(bitPattern: $0) }
        var fast = [Float](repeating: 0, count: halves.count), ref = fast
        Half.widen(halves, into: &fast, count: halves.count)
        Half.widenReference(halves, into: &ref, count: halves.count)
        for i in 0..<halves.count {
            if halves[i].isNaN { XCTAssertTrue(fast[i].isNaN && ref[i].isNaN); continue }
            XCTAssertEqual(fast[i].bitPattern, ref[i].bitPattern, "half bits \(i)")
        }
        XCTAssertEqual(ref[0x3C00], 1)
        XCTAssertEqual(ref[0x0001], 5.960_464_5e-8)  // smallest subnormal 2^-24
        XCTAssertEqual(ref[0xFBFF], -65504)
    }

    /// Narrowing rounds to nearest even like the hardware, including ties, subnormals and overflow.
    func testNarrowMatchesReference() {
        var rng = SeededRandom(seed: 7)
        var xs: [Float] = [0, -0, 1, 65504, 65519.99, 65520, 1e6, -1e6, 6e-8, 2.98e-8, 2.99e-8, 1e-10,
                           .infinity, -.infinity, 1 + 1.0 / 2048, 1 + 3.0 / 2048, 6.1035156e-5, 6.0975552e-5]
        for _ in 0..<20000 { xs.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0xC7FF_FFFF)) }
        for _ in 0..<20000 { xs.append(rng.float(-70000, 70000)) }
        var fast = [Float16](repeating: 0, count: xs.count), ref = fast
        Half.narrow(xs, into: &fast, count: xs.count)
        Half.narrowReference(xs, into: &ref, count: xs.count)
        for i in 0..<xs.count where !xs[i].isNaN {
            XCTAssertEqual(fast[i].bitPattern, ref[i].bitPattern, "float \(xs[i])")
        }
        XCTAssertEqual(ref[14], 1)        // tie 1 + 2^-11 rounds to even (down)
        XCTAssertEqual(ref[15], 1 + 2.0 / 1024)  // tie 1 + 3·2^-11 rounds to even (up)
        XCTAssertEqual(ref[5], .infinity)  // 65520 rounds past the largest finite half
    }
}
