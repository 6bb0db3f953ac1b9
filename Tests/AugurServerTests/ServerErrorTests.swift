import AugurServer
import AugurTestSupport
import XCTest

/// Error replies in OpenAI's shape, each followed by a request that still succeeds.
final class ServerErrorTests: XCTestCase {
    private func assertError(_ reply: HTTPReply, status: Int, param: String? = nil, code: String? = nil,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reply.status, status, reply.text, file: file, line: line)
        let error = reply.json["error"] as? [String: Any]
        XCTAssertNotNil(error, "no error object in \(reply.text)", file: file, line: line)
        XCTAssertFalse((error?["message"] as? String ?? "").isEmpty, file: file, line: line)
        XCTAssertNotNil(error?["type"] as? String, file: file, line: line)
        if let param { XCTAssertEqual(error?["param"] as? String, param, reply.text, file: file, line: line) }
        if let code { XCTAssertEqual(error?["code"] as? String, code, reply.text, file: file, line: line) }
    }

    func testErrorsHaveOpenAIShapeAndServerKeepsServing() async throws {
        let s = try await TestServer(models: TestServer.smolModels(), contextSize: 128)
        let user = [["role": "user", "content": "Hi"]]
        assertError(try await s.request("POST", "/v1/chat/completions", body: Data("{\"messages\": [".utf8)), status: 400, code: "invalid_json")
        assertError(try await s.request("POST", "/v1/chat/completions", body: Data("[1, 2]".utf8)), status: 400)
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "temperature": "hot"]), status: 400, param: "temperature")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "max_tokens": "8"]), status: 400, param: "max_tokens")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "stream": 1]), status: 400, param: "stream")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "stop": [1]]), status: 400, param: "stop")
        assertError(try await s.post("/v1/chat/completions", ["messages": "Hi"]), status: 400, param: "messages")
        assertError(try await s.post("/v1/chat/completions", ["messages": [] as [Any]]), status: 400, param: "messages")
        assertError(try await s.post("/v1/chat/completions", ["messages": [["role": "robot", "content": "x"]]]), status: 400, param: "messages[0].role")
        assertError(try await s.post("/v1/chat/completions", [:]), status: 400, param: "messages")
        assertError(try await s.post("/v1/completions", ["max_tokens": 4]), status: 400, param: "prompt")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "max_tokens": 0]), status: 400, param: "max_tokens")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "max_tokens": -3]), status: 400, param: "max_tokens")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "max_tokens": 100_000]), status: 400, param: "max_tokens")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "temperature": -0.5]), status: 400, param: "temperature")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "top_p": 0]), status: 400, param: "top_p")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "n": 2]), status: 400, param: "n")
        let long = String(repeating: "word ", count: 400)
        assertError(try await s.post("/v1/completions", ["prompt": long]), status: 400, code: "context_length_exceeded")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "model": "gpt-4o"]), status: 404, param: "model", code: "model_not_found")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "speculative": ["draft": "some-other-model"]]),
                    status: 400, param: "speculative.draft")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "speculative": ["draft_max": "4"]]),
                    status: 400, param: "speculative.draft_max")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "speculative": ["draft_policy": "eager"]]),
                    status: 400, param: "speculative.draft_policy")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "temperature": 0.8, "speculative": ["verifier": "greedy"]]),
                    status: 400, param: "speculative.verifier")
        assertError(try await s.post("/v1/chat/completions", ["messages": user, "speculative": ["draft_min": 9, "draft_max": 2]]),
                    status: 400, param: "speculative")

        // Unknown fields are ignored; the server still answers.
        let ok = try await s.post("/v1/chat/completions", ["messages": user, "max_tokens": 4, "temperature": 0,
                                                            "frequency_penalty": 0, "user": "me", "speculative": ["draft": "none"]])
        XCTAssertEqual(ok.status, 200, ok.text)
        XCTAssertEqual((ok.json["augur"] as? [String: Any])?["draft"] as? String, "none")
        let idle = try await s.waitUntilIdle()
        XCTAssertTrue(idle)
        let errors = try await s.request("GET", "/metrics").text
        XCTAssertTrue(errors.contains("augur_request_errors_total{status=\"404\"} 1"), errors)
        await s.stop()
    }

    /// A reply that reaches the end of the context reports finish_reason "length".
    func testContextFullFinishesWithLength() async throws {
        let s = try await TestServer(models: TestServer.smolModels(), contextSize: 40)
        let prompt = "1, 2, 3, 4, 5, 6, 7, 8,"
        let r = try await s.post("/v1/completions", ["prompt": prompt, "temperature": 0, "speculative": ["draft": "none"]])
        XCTAssertEqual(r.status, 200, r.text)
        let usage = try XCTUnwrap(r.json["usage"] as? [String: Any])
        XCTAssertEqual((r.json["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String, "length")
        // The last sampled token never needs a position: prompt + reply = context + 1.
        XCTAssertEqual(usage["total_tokens"] as? Int, 41)
        await s.stop()
    }
}
