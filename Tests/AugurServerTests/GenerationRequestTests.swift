@testable import AugurServer
import AugurSpeculative
import AugurTokenizer
import XCTest

/// Request parsing without a model: defaults, accepted spellings, and the field each error names.
final class GenerationRequestTests: XCTestCase {
    private func parse(_ json: String, chat: Bool = true) throws -> GenerationRequest {
        try GenerationRequest(JSONValue.parseObject(Data(json.utf8)), chat: chat)
    }

    private func assertField(_ json: String, _ field: String, chat: Bool = true, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(json, chat: chat), file: file, line: line) { error in
            XCTAssertEqual((error as? APIError)?.param, field, "\(error)", file: file, line: line)
            XCTAssertEqual((error as? APIError)?.status, 400, file: file, line: line)
        }
    }

    func testDefaultsFollowOpenAI() throws {
        let r = try parse(#"{"messages": [{"role": "user", "content": "hi"}]}"#)
        XCTAssertEqual(r.input, .chat([ChatMessage(role: "user", content: "hi")]))
        XCTAssertEqual(r.sampling.temperature, 1, "temperature defaults to 1.0 as in OpenAI's API")
        XCTAssertEqual(r.sampling.topP, 1)
        XCTAssertNil(r.maxTokens)
        XCTAssertFalse(r.stream)
        XCTAssertFalse(r.includeUsage)
        XCTAssertEqual(r.stop, [])
        XCTAssertEqual(r.speculative, SpeculativeOverrides())
        // Without a seed each request draws its own.
        let seeds = Set(try (0..<4).map { _ in try parse(#"{"messages": [{"role": "user", "content": "hi"}]}"#).sampling.seed })
        XCTAssertGreaterThan(seeds.count, 1)
    }

    func testFieldsAreRead() throws {
        let r = try parse("""
            {"model": "m", "messages": [{"role": "developer", "content": "be brief"},
                                        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}],
             "max_completion_tokens": 7, "max_tokens": 99, "temperature": 0, "top_p": 0.5, "top_k": 40, "min_p": 0.1,
             "seed": 42, "stop": "END", "n": 1, "stream": true, "stream_options": {"include_usage": true},
             "speculative": {"draft": "ngram", "draft_max": 3, "draft_min": 2, "draft_p_min": 0.5, "draft_policy": "fixed",
                             "verifier": "greedy", "ngram_min": 2, "ngram_max": 4,
                             "tree": "topk", "tree_tokens": 6, "tree_depth": 3, "tree_topk": 3},
             "frequency_penalty": 0.3, "user": "ignored", "tools": null}
            """)
        XCTAssertEqual(r.model, "m")
        XCTAssertEqual(r.input, .chat([.system("be brief"), .user("ab")]))
        XCTAssertEqual(r.maxTokens, 7, "max_completion_tokens wins over the older max_tokens")
        XCTAssertEqual(r.sampling.temperature, 0)
        XCTAssertEqual(r.sampling.topP, 0.5)
        XCTAssertEqual(r.sampling.topK, 40)
        XCTAssertEqual(r.sampling.minP, 0.1, accuracy: 1e-6)
        XCTAssertEqual(r.sampling.seed, 42)
        XCTAssertEqual(r.stop, ["END"])
        XCTAssertTrue(r.stream)
        XCTAssertTrue(r.includeUsage)
        XCTAssertEqual(r.speculative.draft, "ngram")
        let s = try r.speculative.applied(to: SpeculationSettings())
        XCTAssertEqual(s.draftMax, 3)
        XCTAssertEqual(s.draftMin, 2)
        XCTAssertEqual(s.draftPMin, 0.5)
        XCTAssertEqual(s.policy, .fixed)
        XCTAssertEqual(s.verifier, .greedy)
        XCTAssertEqual(s.ngramMin, 2)
        XCTAssertEqual(s.ngramMax, 4)
        XCTAssertEqual(s.tree, .topk)
        XCTAssertEqual(s.treeTokens, 6)
        XCTAssertEqual(s.treeDepth, 3)
        XCTAssertEqual(s.treeTopK, 3)
        XCTAssertEqual(try parse(#"{"prompt": "x", "speculative": {"tree": false}}"#, chat: false).speculative.tree, DraftTreeKind.none)

        let c = try parse(#"{"prompt": ["once"], "stop": ["a", "", "b"], "max_tokens": 5.0}"#, chat: false)
        XCTAssertEqual(c.input, .text("once"))
        XCTAssertEqual(c.stop, ["a", "b"], "empty stop strings are dropped")
        XCTAssertEqual(c.maxTokens, 5)
    }

    func testWrongTypesAndRangesNameTheField() {
        let user = #""messages": [{"role": "user", "content": "hi"}]"#
        assertField(#"{"messages": {}}"#, "messages")
        assertField(#"{"messages": []}"#, "messages")
        assertField(#"{"messages": [{"content": "hi"}]}"#, "messages[0].role")
        assertField(#"{"messages": [{"role": "user", "content": 3}]}"#, "messages[0].content")
        assertField(#"{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}"#, "messages[0].content[0]")
        assertField("{\(user), \"temperature\": true}", "temperature")
        assertField("{\(user), \"temperature\": -1}", "temperature")
        assertField("{\(user), \"max_tokens\": 1.5}", "max_tokens")
        assertField("{\(user), \"max_tokens\": 0}", "max_tokens")
        assertField("{\(user), \"max_completion_tokens\": -2}", "max_completion_tokens")
        assertField("{\(user), \"top_p\": 1.5}", "top_p")
        assertField("{\(user), \"top_k\": -1}", "top_k")
        assertField("{\(user), \"min_p\": 2}", "min_p")
        assertField("{\(user), \"seed\": \"7\"}", "seed")
        assertField("{\(user), \"stop\": 5}", "stop")
        assertField("{\(user), \"stream\": \"yes\"}", "stream")
        assertField("{\(user), \"stream_options\": {\"include_usage\": 1}}", "stream_options.include_usage")
        assertField("{\(user), \"n\": 3}", "n")
        assertField("{\(user), \"logprobs\": true}", "logprobs")
        assertField("{\(user), \"speculative\": []}", "speculative")
        assertField("{\(user), \"speculative\": {\"draft_p_min\": \"x\"}}", "speculative.draft_p_min")
        assertField("{\(user), \"speculative\": {\"verifier\": \"magic\"}}", "speculative.verifier")
        assertField("{\(user), \"speculative\": {\"tree\": \"forest\"}}", "speculative.tree")
        assertField("{\(user), \"speculative\": {\"tree_tokens\": \"8\"}}", "speculative.tree_tokens")
        assertField(#"{"prompt": ["a", "b"]}"#, "prompt", chat: false)
        assertField(#"{"prompt": 12}"#, "prompt", chat: false)
        XCTAssertThrowsError(try parse("{\"messages\": ")) { XCTAssertEqual(($0 as? APIError)?.code, "invalid_json") }
        for bad in [#"{"draft_max": -1}"#, #"{"tree_tokens": 0}"#] {
            XCTAssertThrowsError(try parse("{\(user), \"speculative\": \(bad)}").speculative.applied(to: SpeculationSettings())) {
                XCTAssertEqual(($0 as? APIError)?.param, "speculative")
            }
        }
    }

    func testErrorBodyHasOpenAIShape() throws {
        let e = APIError.invalidField("temperature", "must be ≥ 0, got -1")
        let body = try XCTUnwrap(e.body["error"] as? [String: Any])
        XCTAssertEqual(body["type"] as? String, "invalid_request_error")
        XCTAssertEqual(body["param"] as? String, "temperature")
        XCTAssertTrue(body["code"] is NSNull)
        XCTAssertEqual(body["message"] as? String, "'temperature' must be ≥ 0, got -1")
        XCTAssertEqual(APIError.overloaded(retryAfterSeconds: 2).status, 429)
        XCTAssertEqual(APIError.overloaded(retryAfterSeconds: 2).retryAfter, 2)
        XCTAssertEqual(APIError.modelNotFound("x").status, 404)
    }
}
