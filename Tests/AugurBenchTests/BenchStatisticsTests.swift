import AugurBench
import AugurEngine
import XCTest

final class BenchStatisticsTests: XCTestCase {
    /// A run that decoded `decodeTokens` in `decode` seconds after a `prefill`-second prefill.
    func run(decodeTokens: Int, decode: Double, prefill: Double = 1, metrics: SpeculationMetrics? = nil) -> GenerationStats {
        var s = GenerationStats(promptTokens: 50, generatedTokens: decodeTokens + 1, decodeTokens: decodeTokens,
                                prefillSeconds: prefill, decodeSeconds: decode)
        s.speculation = metrics
        return s
    }

    /// Rounds accepting 4 of 4 and 2 of 4 after a prefill.
    var twoRounds: SpeculationMetrics {
        var m = SpeculationMetrics()
        m.recordPrefill()
        m.record(drafted: 4, accepted: 4, emitted: 5)
        m.record(drafted: 4, accepted: 2, emitted: 3)
        return m
    }

    func testMedianMeanRatioAndDifference() {
        XCTAssertEqual(benchMedian([3, 1, 2]), 2)
        XCTAssertEqual(benchMedian([1, 4, 2, 3]), 2.5)
        XCTAssertNil(benchMedian([]))
        XCTAssertEqual(benchMean([1, 2, 6]), 3)
        XCTAssertNil(benchMean([]))
        XCTAssertEqual(benchRatio(3, 2), 1.5)
        XCTAssertNil(benchRatio(3, 0))
        XCTAssertNil(firstDifference([1, 2, 3], [1, 2, 3]))
        XCTAssertEqual(firstDifference([1, 2, 3], [1, 5, 3]), 1)
        XCTAssertEqual(firstDifference([1, 2], [1, 2, 3]), 2)
        XCTAssertEqual(firstDifference([], [7]), 0)
    }

    func testPromptComparisonMediansAndSpeedups() throws {
        // AR: 100 tokens in 10, 8, 12.5 s → 10, 12.5, 8 tok/s (median 10);
        // end-to-end 101 tokens in 11, 9, 13.5 s → median 101/11.
        let ar = [run(decodeTokens: 100, decode: 10), run(decodeTokens: 100, decode: 8), run(decodeTokens: 100, decode: 12.5)]
        // SD: 100 tokens in 5, 4, 10 s → 20, 25, 10 tok/s (median 20); end-to-end median 101/6.
        let sd = [run(decodeTokens: 100, decode: 5, metrics: twoRounds), run(decodeTokens: 100, decode: 4, metrics: twoRounds),
                  run(decodeTokens: 100, decode: 10, metrics: twoRounds)]
        let p = PromptComparison(id: "q1", category: "writing", baseline: (ar, [1, 2, 3]),
                                 others: [("ngram", sd, [1, 2, 3]), ("draft", sd, [1, 2, 4])])
        XCTAssertEqual(p.promptTokens, 50)
        XCTAssertEqual(p.methods.map(\.method), ["ar", "ngram", "draft"])
        let a = p.methods[0], s = p.methods[1]
        XCTAssertEqual(a.decodeTokensPerSecond, 10, accuracy: 1e-9)
        XCTAssertEqual(a.endToEndTokensPerSecond, 101.0 / 11, accuracy: 1e-9)
        XCTAssertNil(a.decodeSpeedup)
        XCTAssertNil(a.speculation)
        XCTAssertEqual(s.decodeTokensPerSecond, 20, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(s.decodeSpeedup), 2, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(s.endToEndSpeedup), (101.0 / 6) / (101.0 / 11), accuracy: 1e-9)
        // Metrics summed over the 3 runs: drafted 24, accepted 18; attempts [6, 6, 6, 3], accepts [6, 6, 3, 3];
        // 9 tokens over 3 passes per run.
        XCTAssertEqual(s.speculation?.drafted, 24)
        XCTAssertEqual(try XCTUnwrap(s.acceptanceRate), 0.75, accuracy: 1e-12)
        XCTAssertEqual(s.perPositionAcceptance, [1, 1, 0.5, 1])
        XCTAssertEqual(try XCTUnwrap(s.meanAcceptedLength), 3, accuracy: 1e-12)
        XCTAssertEqual(s.sameTokensAsAR, true)
        XCTAssertEqual(p.methods[2].sameTokensAsAR, false)
    }

    func testGroupsAverageSpeedupsOverPrompts() throws {
        let ar = [run(decodeTokens: 100, decode: 10)]  // 10 tok/s
        func prompt(_ id: String, _ category: String, sdSeconds: Double) -> PromptComparison {
            PromptComparison(id: id, category: category, baseline: (ar, [1]),
                             others: [("ngram", [run(decodeTokens: 100, decode: sdSeconds, metrics: twoRounds)], [1])])
        }
        // Decode speedups 2.0, 1.0 (category a) and 4.0 (category b).
        let report = ComparisonReport(
            setup: .init(model: "m", methods: ["ar", "ngram"], draftPolicy: "fixed", draftMax: 4, threads: 2, maxTokens: 64,
                         runs: 1, temperature: 0, source: "test"),
            prompts: [prompt("1", "a", sdSeconds: 5), prompt("2", "b", sdSeconds: 2.5), prompt("3", "a", sdSeconds: 10)])
        XCTAssertEqual(report.categories.map(\.name), ["a", "b"])
        XCTAssertEqual(report.categories.map(\.prompts), [2, 1])
        let a = report.categories[0].methods[1]
        XCTAssertEqual(try XCTUnwrap(a.decodeSpeedup), 1.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(a.minDecodeSpeedup), 1.0, accuracy: 1e-12)
        XCTAssertEqual(a.decodeTokensPerSecond, 15, accuracy: 1e-9)  // mean of 20 and 10
        XCTAssertEqual(try XCTUnwrap(a.acceptanceRate), 0.75, accuracy: 1e-12)
        XCTAssertEqual(a.differingPrompts, 0)
        let overall = report.overall.methods[1]
        XCTAssertEqual(try XCTUnwrap(overall.decodeSpeedup), 7.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(report.overall.methods[0].decodeTokensPerSecond, 10, accuracy: 1e-9)
        XCTAssertNil(report.overall.methods[0].decodeSpeedup)

        // The formats carry the same numbers.
        XCTAssertTrue(report.table().contains("2.33x"), report.table())
        let md = report.markdown()
        XCTAssertTrue(md.contains("| **overall** | ngram | 3 | 10.0 | 23.3 | 2.33x |"), md)
        XCTAssertTrue(md.contains("| a | ngram | 2 | 10.0 | 15.0 | 1.50x |"), md)
        let decoded = try JSONDecoder().decode(ComparisonReport.self, from: Data(try report.jsonText().utf8))
        XCTAssertEqual(decoded, report)
    }
}
