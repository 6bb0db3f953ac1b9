import AugurEngine
import AugurSampling
import AugurServer
import AugurSpeculative
import AugurTestSupport
import XCTest

/// Chat, completion and streaming against a SmolLM2 server on loopback, compared with the engine.
final class ServerEndpointTests: XCTestCase {
    private func chatBody(_ text: String, maxTokens: Int = 24, stream: Bool = false, extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = ["model": TestModels.smol, "messages": [["role": "user", "content": text]],
                                   "max_tokens": maxTokens, "temperature": 0, "stream": stream]
        for (k, v) in extra { body[k] = v }
        return body
    }

    func testHealthModelsAndMetrics() async throws {
        let s = try await TestServer(models: TestServer.smolModels())
        let health = try await s.request("GET", "/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.json["status"] as? String, "ready")
        XCTAssertEqual(health.json["slots"] as? Int, 2)
        let models = try await s.request("GET", "/v1/models")
        XCTAssertEqual(models.json["object"] as? String, "list")
        let data = models.json["data"] as? [[String: Any]]
        XCTAssertEqual(data?.first?["id"] as? String, TestModels.smol)
        let one = try await s.request("GET", "/v1/models/\(TestModels.smol)")
        XCTAssertEqual(one.json["id"] as? String, TestModels.smol)
        XCTAssertEqual(one.json["context_length"] as? Int, 512)
        let missing = try await s.request("GET", "/v1/models/gpt-4o")
        XCTAssertEqual(missing.status, 404)
        _ = try await s.post("/v1/chat/completions", chatBody("Hi", maxTokens: 4))
        let metrics = try await s.request("GET", "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.text.contains("augur_requests_total{endpoint=\"chat\"} 1"), metrics.text)
        XCTAssertTrue(metrics.text.contains("augur_acceptance_rate_bucket"))
        XCTAssertTrue(metrics.text.contains("augur_time_per_output_token_seconds_bucket"))
        let generated = try await s.metric("augur_generated_tokens_total")
        XCTAssertEqual(generated.map { $0 > 0 }, true)
        let queueLength = try await s.metric("augur_queue_length")
        XCTAssertEqual(queueLength, 0)
        await s.stop()
    }

    func testChatStreamEqualsNonStream() async throws {
        let s = try await TestServer(models: TestServer.smolModels())
        let plain = try await s.post("/v1/chat/completions", chatBody("Name three colours."))
        XCTAssertEqual(plain.status, 200, plain.text)
        XCTAssertEqual(plain.json["object"] as? String, "chat.completion")
        let choice = (plain.json["choices"] as? [[String: Any]])?.first
        let message = choice?["message"] as? [String: Any]
        let text = try XCTUnwrap(message?["content"] as? String)
        XCTAssertFalse(text.isEmpty)
        XCTAssertEqual(message?["role"] as? String, "assistant")
        let usage = try XCTUnwrap(plain.json["usage"] as? [String: Any])
        let completionTokens = try XCTUnwrap(usage["completion_tokens"] as? Int)
        XCTAssertEqual(usage["total_tokens"] as? Int, (usage["prompt_tokens"] as? Int ?? 0) + completionTokens)
        let finish = choice?["finish_reason"] as? String
        XCTAssertEqual(finish, completionTokens == 24 ? "length" : "stop")
        let augur = try XCTUnwrap(plain.json["augur"] as? [String: Any])
        XCTAssertEqual(augur["draft"] as? String, "ngram")
        XCTAssertNotNil(augur["drafted"] as? Int)

        let streamed = try await s.post("/v1/chat/completions",
                                        chatBody("Name three colours.", stream: true, extra: ["stream_options": ["include_usage": true]]))
        XCTAssertEqual(streamed.status, 200)
        XCTAssertEqual(streamed.headers["content-type"], "text/event-stream")
        XCTAssertEqual(streamed.events.last, "[DONE]")
        XCTAssertEqual(streamed.streamedText, text)
        let chunks = streamed.chunks
        XCTAssertEqual(chunks.first?["object"] as? String, "chat.completion.chunk")
        let firstDelta = ((chunks.first?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])
        XCTAssertEqual(firstDelta?["role"] as? String, "assistant")
        // Final choice chunk carries finish_reason and the augur block; then the usage chunk with no choices.
        let last = try XCTUnwrap(chunks.last)
        XCTAssertEqual((last["choices"] as? [Any])?.count, 0)
        XCTAssertEqual((last["usage"] as? [String: Any])?["completion_tokens"] as? Int, completionTokens)
        let final = chunks[chunks.count - 2]
        XCTAssertEqual((final["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String, finish)
        XCTAssertNotNil(final["augur"] as? [String: Any])
        await s.stop()
    }

    /// Greedy server output equals a direct Generator run with the same SpeculativeStep settings, and
    /// with the fixed policy the drafted/accepted counts agree exactly (llama.cpp #12968).
    func testGreedyCompletionMatchesGeneratorWithSameDraftCounts() async throws {
        let models = try TestServer.smolModels()
        var settings = SpeculationSettings()
        settings.policy = .fixed
        settings.draftMax = 4
        let s = try await TestServer(models: models, speculation: settings)
        let prompt = "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n"
        let reply = try await s.post("/v1/completions", ["prompt": prompt, "max_tokens": 48, "temperature": 0])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.json["object"] as? String, "text_completion")
        let text = try XCTUnwrap((reply.json["choices"] as? [[String: Any]])?.first?["text"] as? String)
        let augur = try XCTUnwrap(reply.json["augur"] as? [String: Any])

        let target = models.target
        let ids = try target.tokenizer.encodePrompt(prompt, parseSpecial: true)
        let step = try settings.makeStep(target: target.model, draft: .ngram, sampling: .greedy, contextSize: 512)
        let direct = try Generator(model: target.model, codec: target.tokenizer, step: step)
            .generate(prompt: ids, cache: target.model.makeCache(capacity: 512), parameters: .init(maxTokens: 48))
        XCTAssertEqual(text, direct.text)
        let m = try XCTUnwrap(direct.stats.speculation)
        XCTAssertGreaterThan(m.drafted, 0, "the prompt should give n-gram drafts")
        XCTAssertEqual(augur["drafted"] as? Int, m.drafted)
        XCTAssertEqual(augur["accepted"] as? Int, m.accepted)
        XCTAssertEqual(augur["target_passes"] as? Int, m.targetForwardPasses)
        XCTAssertEqual((reply.json["usage"] as? [String: Any])?["completion_tokens"] as? Int, direct.stats.generatedTokens)

        // A prompt-lookup tree (fixed size) gives the same greedy text.
        let tree = try await s.post("/v1/completions", ["prompt": prompt, "max_tokens": 48, "temperature": 0,
                                                        "speculative": ["tree": "topk", "tree_tokens": 6]])
        XCTAssertEqual(tree.status, 200, tree.text)
        XCTAssertEqual((tree.json["choices"] as? [[String: Any]])?.first?["text"] as? String, direct.text)

        // Streaming the completion gives the same text.
        let streamed = try await s.post("/v1/completions", ["prompt": prompt, "max_tokens": 48, "temperature": 0, "stream": true])
        XCTAssertEqual(streamed.streamedText, direct.text)
        await s.stop()
    }

    /// Sampled requests with the same seed repeat, streamed or not, under the fixed draft policy (the
    /// adaptive policy picks draft lengths from measured timings, and at T > 0 the sample drawn depends
    /// on the draft lengths, though its distribution does not).
    func testSeededSamplingRepeatsAcrossStreaming() async throws {
        let s = try await TestServer(models: TestServer.smolModels())
        let body = chatBody("Tell me a fact about owls.", maxTokens: 20,
                            extra: ["temperature": 0.9, "seed": 1234, "top_p": 0.95, "speculative": ["draft_policy": "fixed"]])
        let a = try await s.post("/v1/chat/completions", body)
        var streamBody = body
        streamBody["stream"] = true
        let b = try await s.post("/v1/chat/completions", streamBody)
        let textA = ((a.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        XCTAssertEqual(textA, b.streamedText)
        XCTAssertFalse(b.streamedText.isEmpty)
        await s.stop()
    }

    /// A second chat turn prefills only the new tokens: the first turn's prompt and reply come from the cache.
    func testSecondTurnReusesPrefix() async throws {
        let s = try await TestServer(models: TestServer.smolModels(), slots: 1)
        var messages: [[String: Any]] = [["role": "user", "content": "Write one sentence about the sea."]]
        let first = try await s.post("/v1/chat/completions", ["messages": messages, "max_tokens": 16, "temperature": 0])
        let reply = try XCTUnwrap(((first.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)
        let firstPrompt = try XCTUnwrap((first.json["usage"] as? [String: Any])?["prompt_tokens"] as? Int)
        messages += [["role": "assistant", "content": reply], ["role": "user", "content": "Now one about mountains."]]
        let second = try await s.post("/v1/chat/completions", ["messages": messages, "max_tokens": 16, "temperature": 0])
        XCTAssertEqual(second.status, 200)
        let augur = try XCTUnwrap(second.json["augur"] as? [String: Any])
        let usage = try XCTUnwrap(second.json["usage"] as? [String: Any])
        let reused = try XCTUnwrap(augur["prompt_tokens_reused"] as? Int)
        let prefilled = try XCTUnwrap(augur["prompt_tokens_prefilled"] as? Int)
        XCTAssertGreaterThanOrEqual(reused, firstPrompt, "the whole first prompt should stay in the cache")
        XCTAssertEqual(reused + prefilled, usage["prompt_tokens"] as? Int)
        XCTAssertEqual((usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int, reused)
        XCTAssertLessThan(prefilled, 30, "only the end of the reply and the new message should be prefilled")
        let reusedMetric = try await s.metric("augur_prompt_tokens_reused_total")
        XCTAssertEqual(reusedMetric, Double(reused))
        await s.stop()
    }
}
