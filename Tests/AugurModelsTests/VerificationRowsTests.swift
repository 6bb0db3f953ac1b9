import AugurModels
import AugurTestSupport
import XCTest

/// The property greedy speculative decoding rests on: a token's logits are bit-identical whether it
/// is decoded alone or verified among M rows after the same context, for every M = 1…16.
final class VerificationRowsTests: XCTestCase {
    func testVerificationRowsEqualSingleTokenRowsQwen15B() throws { try check(TestModels.qwenTarget, context: 40) }
    func testVerificationRowsEqualSingleTokenRowsSmolLM2() throws { try check(TestModels.smol, context: 50) }

    private func check(_ name: String, context: Int) throws {
        let model = try loadModel(path: TestModels.path(name))
        let ids = Array(try ModelInvariantsTests.longPrompt(name).prefix(context + 16))
        XCTAssertEqual(ids.count, context + 16)
        // Reference: every row decoded one token at a time.
        let single = model.makeCache(capacity: 128)
        var reference: [[Float]] = []
        for t in ids { reference.append(Array(try model.forward([t], cache: single, rows: .all).row(0))) }
        // Verification-shaped batches: the context in the cache, then M rows at once, rolled back.
        let cache = model.makeCache(capacity: 128)
        _ = try model.forward(Array(ids.prefix(context)), cache: cache, rows: .none)
        for m in 1...16 {
            let batch = try model.forward(Array(ids[context..<(context + m)]), cache: cache, rows: .all)
            for r in 0..<m {
                XCTAssertTrue(Array(batch.row(r)) == reference[context + r], "\(name): M = \(m), row \(r) differs from single-token decoding")
            }
            cache.truncate(to: context)
        }
    }
}
