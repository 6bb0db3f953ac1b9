import AugurGGUF
import AugurModels
import AugurTestSupport
import XCTest

/// Properties of the forward pass that hold whatever the kernels round to: batching, rollback,
/// capacity and input errors. Run on SmolLM2 (fast); the batching property also on Qwen2.
final class ModelInvariantsTests: XCTestCase {
    /// 70 tokens from the fixture prompts (more than one 64-row chunk).
    static func longPrompt(_ name: String) throws -> [Int32] {
        let f = try LogitFixture.load(name)
        var ids: [Int32] = []
        while ids.count < 70 { for c in f.cases { ids += c.sequence } }
        return Array(ids.prefix(70))
    }

    func testConfigFromMetadata() throws {
        let smol = try loadModel(path: TestModels.path(TestModels.smol)).config
        XCTAssertEqual(smol.architecture, "llama")
        XCTAssertEqual(smol.layerCount, 30)
        XCTAssertEqual(smol.embeddingLength, 576)
        XCTAssertEqual(smol.headCount, 9)
        XCTAssertEqual(smol.kvHeadCount, 3)
        XCTAssertEqual(smol.headDim, 64)
        XCTAssertEqual(smol.vocabSize, 49152)
        XCTAssertEqual(smol.ropeLayout, .adjacentPairs)
        XCTAssertTrue(smol.tiedEmbeddings)
        XCTAssertFalse(smol.attentionBias)

        let qwen = try ModelConfig(gguf: GGUFFile(path: TestModels.path(TestModels.qwenTarget)))
        XCTAssertEqual(qwen.architecture, "qwen2")
        XCTAssertEqual(qwen.layerCount, 28)
        XCTAssertEqual(qwen.headCount, 12)
        XCTAssertEqual(qwen.kvHeadCount, 2)
        XCTAssertEqual(qwen.headDim, 128)
        XCTAssertEqual(qwen.feedForwardLength, 8960)
        XCTAssertEqual(qwen.ropeLayout, .halfSplit)
        XCTAssertTrue(qwen.attentionBias)
        XCTAssertFalse(qwen.tiedEmbeddings)
    }

    /// A prompt run as one batch (two chunks: 64 + 6 rows) gives the same logits, bit for bit, as
    /// the same prompt run one token at a time.
    func testBatchEqualsTokenByTokenSmolLM2() throws { try checkBatchEqualsTokenByToken(TestModels.smol, count: 70) }
    func testBatchEqualsTokenByTokenQwen05B() throws { try checkBatchEqualsTokenByToken(TestModels.qwenDraft, count: 20) }

    func checkBatchEqualsTokenByToken(_ name: String, count: Int) throws {
        let model = try loadModel(path: TestModels.path(name))
        let ids = Array(try Self.longPrompt(name).prefix(count))
        let batch = try model.forward(ids, cache: model.makeCache(capacity: 128), rows: .all)
        let cache = model.makeCache(capacity: 128)
        var mismatched: [Int] = []
        var worst: Float = 0
        for (i, t) in ids.enumerated() {
            let one = try model.forward([t], cache: cache, rows: .all)
            let b = Array(batch.row(i))
            if Array(one.row(0)) != b { mismatched.append(i) }
            worst = max(worst, zip(one.values, b).map { abs($0 - $1) }.max()!)
        }
        XCTAssertEqual(cache.count, ids.count)
        XCTAssertEqual(mismatched, [], "\(name): rows whose batched logits differ from single-token logits (max |Δ| \(worst))")
        // `.last` returns the batch's last row.
        let last = try model.forward(ids, cache: model.makeCache(capacity: 128), rows: .last)
        XCTAssertEqual(last.values, Array(batch.row(ids.count - 1)))
    }

    /// Rolling the cache back and running the same tokens again reproduces the logits exactly, and
    /// different tokens after a rollback see only the kept prefix.
    func testTruncateAndRerun() throws {
        let model = try loadModel(path: TestModels.path(TestModels.smol))
        let ids = try Self.longPrompt(TestModels.smol)
        let prefix = Array(ids[0..<20]), suffix = Array(ids[20..<30]), other = Array(ids[40..<50])
        let cache = model.makeCache(capacity: 64)
        _ = try model.forward(prefix, cache: cache, rows: .none)
        let first = try model.forward(suffix, cache: cache, rows: .all)
        _ = try model.forward(other, cache: cache, rows: .none)
        cache.truncate(to: 20)
        let again = try model.forward(suffix, cache: cache, rows: .all)
        XCTAssertEqual(first.values, again.values)
        XCTAssertEqual(cache.count, 30)

        // A rollback into the middle of a batch, then other tokens: equal to a fresh run.
        cache.truncate(to: 15)
        let branched = try model.forward(other, cache: cache, rows: .all)
        let fresh = try model.forward(Array(ids[0..<15]) + other, cache: model.makeCache(capacity: 64), rows: .all)
        XCTAssertEqual(branched.values, Array(fresh.values[(15 * fresh.vocabSize)...]))
    }

    /// At capacity, forward throws `contextFull` and leaves the cache as it was.
    func testContextFullLeavesCacheUnchanged() throws {
        let model = try loadModel(path: TestModels.path(TestModels.smol))
        let ids = try Self.longPrompt(TestModels.smol)
        let cache = model.makeCache(capacity: 8)
        _ = try model.forward(Array(ids[0..<6]), cache: cache, rows: .none)
        XCTAssertThrowsError(try model.forward(Array(ids[6..<9]), cache: cache, rows: .all)) { error in
            XCTAssertEqual(error as? ModelError, .contextFull(capacity: 8, used: 6, requested: 3))
        }
        XCTAssertEqual(cache.count, 6)
        let after = try model.forward(Array(ids[6..<8]), cache: cache, rows: .all)
        let control = try model.forward(Array(ids[0..<8]), cache: model.makeCache(capacity: 8), rows: .all)
        XCTAssertEqual(after.values, Array(control.values[(6 * control.vocabSize)...]))
        XCTAssertThrowsError(try model.forward([ids[8]], cache: cache, rows: .last)) { error in
            XCTAssertEqual(error as? ModelError, .contextFull(capacity: 8, used: 8, requested: 1))
        }
    }

    func testBadInputsThrow() throws {
        let model = try loadModel(path: TestModels.path(TestModels.smol))
        let cache = model.makeCache(capacity: 8)
        let vocab = model.config.vocabSize
        XCTAssertThrowsError(try model.forward([1, Int32(vocab)], cache: cache, rows: .last)) { error in
            XCTAssertEqual(error as? ModelError, .tokenOutOfRange(token: Int32(vocab), vocabSize: vocab))
        }
        XCTAssertThrowsError(try model.forward([-1], cache: cache, rows: .last)) { error in
            XCTAssertEqual(error as? ModelError, .tokenOutOfRange(token: -1, vocabSize: vocab))
        }
        XCTAssertThrowsError(try model.forward([], cache: cache, rows: .last)) { error in
            XCTAssertEqual(error as? ModelError, .emptyBatch)
        }
        XCTAssertThrowsError(try model.forward([1], cache: KVCache(capacity: 8), rows: .last)) { error in
            guard case .badConfig = error as? ModelError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(cache.count, 0)
        XCTAssertEqual(try model.forward([Int32(vocab - 1)], cache: cache, rows: .last).rowCount, 1)
    }

    func testUnsupportedFileThrows() {
        XCTAssertThrowsError(try loadModel(path: "/nonexistent/model.gguf")) { error in
            XCTAssertTrue(error is GGUFError, "\(error)")
        }
    }
}
