import AugurEngine
import AugurServer
import AugurSpeculative
import AugurTestSupport
import XCTest

/// Slots, queueing, 429 and client disconnects.
final class ServerConcurrencyTests: XCTestCase {
    private func completionText(_ r: HTTPReply) -> String? {
        (r.json["choices"] as? [[String: Any]])?.first?["text"] as? String
    }

    /// 4 concurrent greedy requests on 2 slots all complete with the text each gives alone.
    func testConcurrentRequestsOnTwoSlotsAreNotMixed() async throws {
        let s = try await TestServer(models: TestServer.smolModels(), slots: 2)
        let prompts = ["The capital of France is", "def add(a, b):", "Once upon a time", "The three primary colours are"]
        var alone: [String] = []
        for p in prompts {
            let r = try await s.post("/v1/completions", ["prompt": p, "max_tokens": 20, "temperature": 0])
            alone.append(try XCTUnwrap(completionText(r)))
        }
        XCTAssertEqual(Set(alone).count, prompts.count, "prompts should give distinct texts")
        let together = try await withThrowingTaskGroup(of: (Int, HTTPReply).self) { group in
            for (i, p) in prompts.enumerated() {
                group.addTask {
                    (i, try await s.post("/v1/completions", ["prompt": p, "max_tokens": 20, "temperature": 0, "stream": i % 2 == 1]))
                }
            }
            var out = [HTTPReply?](repeating: nil, count: prompts.count)
            for try await (i, r) in group { out[i] = r }
            return out
        }
        for (i, r) in together.enumerated() {
            XCTAssertEqual(r?.status, 200)
            let text = i % 2 == 1 ? r?.streamedText : r.flatMap(completionText)
            XCTAssertEqual(text, alone[i], "request \(i)")
        }
        let idleAfterLoad = try await s.waitUntilIdle()
        XCTAssertTrue(idleAfterLoad)
        let slotsUsed = Set(together.compactMap { ($0?.json["augur"] as? [String: Any])?["slot"] as? Int })
        XCTAssertTrue(slotsUsed.isSubset(of: [0, 1]))
        await s.stop()
    }

    /// With one slot and no queue, a second request while the first generates gets 429 with Retry-After.
    func testFullQueueAnswers429() async throws {
        let s = try await TestServer(models: TestServer.smolModels(), slots: 1, queue: 0)
        let long = #"{"prompt": "1, 2, 3, 4, 5,", "max_tokens": 300, "temperature": 0, "stream": true, "speculative": {"draft": "none"}}"#
        let port = s.port
        let first = Task.detached { try sendAndHangUp(port: port, request: rawPost("/v1/completions", json: long), until: "[DONE]") }
        // Wait until the first request holds the slot.
        var busy = false
        for _ in 0..<200 where !busy {
            busy = try await s.freeSlots() == 0
            if !busy { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        XCTAssertTrue(busy)
        let refused = try await s.post("/v1/completions", ["prompt": "Hi", "max_tokens": 4])
        XCTAssertEqual(refused.status, 429, refused.text)
        XCTAssertNotNil(refused.headers["retry-after"])
        XCTAssertEqual((refused.json["error"] as? [String: Any])?["code"] as? String, "rate_limit_exceeded")
        _ = try await first.value
        let idleAfterFirst = try await s.waitUntilIdle()
        XCTAssertTrue(idleAfterFirst)
        let ok = try await s.post("/v1/completions", ["prompt": "Hi", "max_tokens": 4])
        XCTAssertEqual(ok.status, 200)
        await s.stop()
    }

    /// A client that disconnects mid-stream cancels its generation and frees the slot long before
    /// the generation would have ended.
    func testDisconnectCancelsGeneration() async throws {
        let s = try await TestServer(models: TestServer.smolModels(), slots: 1, contextSize: 2048)
        let body = #"{"prompt": "1, 2, 3, 4, 5,", "max_tokens": 2000, "temperature": 0, "stream": true, "speculative": {"draft": "none"}}"#
        let start = Date()
        let received = try sendAndHangUp(port: s.port, request: rawPost("/v1/completions", json: body), until: "\"text\":\"")
        XCTAssertTrue(received.contains("200"), received)
        let freed = try await s.waitUntilIdle(seconds: 20)
        XCTAssertTrue(freed, "the slot should be freed after the client left")
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        let cancelledCount = try await s.metric("augur_requests_cancelled_total")
        XCTAssertEqual(cancelledCount, 1)
        let generated = try await s.metric("augur_generated_tokens_total") ?? 0
        XCTAssertLessThan(generated, 2000)
        // The slot serves the next request normally.
        let ok = try await s.post("/v1/completions", ["prompt": "Hi", "max_tokens": 4, "temperature": 0])
        XCTAssertEqual(ok.status, 200)
        await s.stop()
    }
}
