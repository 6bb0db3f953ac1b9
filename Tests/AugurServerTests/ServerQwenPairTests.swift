import AugurEngine
import AugurModels
import AugurServer
import AugurSpeculative
import AugurTestSupport
import XCTest

/// One short check on the Qwen 1.5B target with its 0.5B draft model (skipped when not cached).
final class ServerQwenPairTests: XCTestCase {
    /// Greedy chat through the server equals a direct Generator run with the same draft model step, with
    /// equal drafted/accepted counts under the fixed policy; a second identical request reuses the
    /// slot's kept step and gives the same answer.
    func testDraftModelGreedyMatchesDirectRun() async throws {
        let target = try LoadedModel(path: TestModels.path(TestModels.qwenTarget))
        let draft = try LoadedModel(path: TestModels.path(TestModels.qwenDraft), options: ModelLoadOptions(spec: "q4_0")!)
        try VocabularyCompatibility.check(target: target.tokenizer, draft: draft.tokenizer)
        var settings = SpeculationSettings()
        settings.policy = .fixed
        settings.draftMax = 4
        let models = ServedModels(target: target, modelID: TestModels.qwenTarget, draft: .model(draft.model), draftName: TestModels.qwenDraft)
        let s = try await TestServer(models: models, slots: 1, contextSize: 256, speculation: settings)
        let question = "Write a Python function that returns the square of x."
        let body: [String: Any] = ["messages": [["role": "user", "content": question]], "max_tokens": 24, "temperature": 0]
        let reply = try await s.post("/v1/chat/completions", body)
        XCTAssertEqual(reply.status, 200, reply.text)
        let text = ((reply.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        let augur = try XCTUnwrap(reply.json["augur"] as? [String: Any])
        XCTAssertEqual(augur["draft"] as? String, TestModels.qwenDraft)

        let ids = try target.promptTokens(question, system: nil, raw: false)
        let step = try settings.makeStep(target: target.model, draft: .model(draft.model), sampling: .greedy, contextSize: 256)
        let direct = try Generator(model: target.model, codec: target.tokenizer, step: step)
            .generate(prompt: ids, cache: target.model.makeCache(capacity: 256), parameters: .init(maxTokens: 24))
        XCTAssertEqual(text, direct.text)
        let m = try XCTUnwrap(direct.stats.speculation)
        XCTAssertGreaterThan(m.drafted, 0)
        XCTAssertEqual(augur["drafted"] as? Int, m.drafted)
        XCTAssertEqual(augur["accepted"] as? Int, m.accepted)

        let again = try await s.post("/v1/chat/completions", body)
        let againText = ((again.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        XCTAssertEqual(againText, direct.text)
        XCTAssertGreaterThan((again.json["augur"] as? [String: Any])?["prompt_tokens_reused"] as? Int ?? 0, 0)
        await s.stop()
    }
}
