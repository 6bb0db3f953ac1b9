import Foundation
import XCTest
@testable import AugurSpeculative
import AugurEngine

final class SpeculationMetricsTests: XCTestCase {
    /// k = 4, prefill then rounds accepting 4, 2, 0 (hand-computed values in the type's doc comment).
    private func example() -> SpeculationMetrics {
        var m = SpeculationMetrics()
        m.recordPrefill(seconds: 0.5)
        m.record(drafted: 4, accepted: 4, emitted: 5)
        m.record(drafted: 4, accepted: 2, emitted: 3)
        m.record(drafted: 4, accepted: 0, emitted: 1)
        return m
    }

    func testHandComputedExample() throws {
        let m = example()
        XCTAssertEqual(m.drafted, 12)
        XCTAssertEqual(m.accepted, 6)
        XCTAssertEqual(m.rounds, 3)
        XCTAssertEqual(m.targetForwardPasses, 4)
        XCTAssertEqual(m.emittedTokens, 10)
        XCTAssertEqual(try XCTUnwrap(m.acceptanceRate), 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.attemptsPerPosition, [3, 2, 2, 1])
        XCTAssertEqual(m.acceptsPerPosition, [2, 2, 1, 1])
        let rates = m.perPositionAcceptance.map { $0 ?? -1 }
        XCTAssertEqual(rates, [2.0 / 3, 1, 0.5, 1])
        XCTAssertEqual(try XCTUnwrap(m.meanAcceptedLength), 2.5, accuracy: 1e-12)
        XCTAssertEqual(m.prefillSeconds, 0.5)
    }

    func testPlainDecodingGivesTauOne() throws {
        var m = SpeculationMetrics()
        XCTAssertNil(m.meanAcceptedLength)
        XCTAssertNil(m.acceptanceRate)
        m.recordPrefill()
        for _ in 0..<7 { m.record(drafted: 0, accepted: 0, emitted: 1) }
        XCTAssertEqual(m.meanAcceptedLength, 1.0)
        XCTAssertNil(m.acceptanceRate)
        XCTAssertEqual(m.perPositionAcceptance.count, 0)
    }

    func testVariableDraftLengthsAndEarlyStop() {
        var m = SpeculationMetrics()
        m.record(drafted: 2, accepted: 1, emitted: 2)
        m.record(drafted: 3, accepted: 3, emitted: 2)  // stopped at an end-of-sequence inside the round
        XCTAssertEqual(m.attemptsPerPosition, [2, 2, 1])
        XCTAssertEqual(m.acceptsPerPosition, [2, 1, 1])
        XCTAssertEqual(m.emittedTokens, 4)
        XCTAssertEqual(m.meanAcceptedLength, 2.0)
    }

    func testTreeRoundsCountPositionsByDepth() {
        // Trees of 6 nodes and depth 3: α counts nodes, the per-position counts stop at the depth.
        var m = SpeculationMetrics()
        m.record(drafted: 6, accepted: 3, emitted: 4, depth: 3)
        m.record(drafted: 6, accepted: 1, emitted: 2, depth: 3)
        XCTAssertEqual(m.attemptsPerPosition, [2, 2, 1])
        XCTAssertEqual(m.acceptsPerPosition, [2, 1, 1])
        XCTAssertEqual(m.acceptanceRate, 4.0 / 12)
        XCTAssertEqual(m.meanAcceptedLength, 3.0)
    }

    func testMergeAndCodableRoundTrip() throws {
        var other = SpeculationMetrics()
        other.record(drafted: 5, accepted: 5, emitted: 6)
        other.draftSeconds = 0.25
        let merged = example().merged(with: other)
        XCTAssertEqual(merged.drafted, 17)
        XCTAssertEqual(merged.accepted, 11)
        XCTAssertEqual(merged.attemptsPerPosition, [4, 3, 3, 2, 1])
        XCTAssertEqual(merged.acceptsPerPosition, [3, 3, 2, 2, 1])
        XCTAssertEqual(merged.meanAcceptedLength, 16.0 / 5)
        XCTAssertEqual(merged.draftSeconds, 0.25)
        let data = try JSONEncoder().encode(merged)
        XCTAssertEqual(try JSONDecoder().decode(SpeculationMetrics.self, from: data), merged)
    }

    func testExpectedTokensPerPass() {
        // (1 − 0.8^5) / 0.2 = 3.3616; the algorithms notes' example.
        XCTAssertEqual(SpeculationMetrics.expectedTokensPerPass(conditionalAcceptance: 0.8, draftLength: 4), 3.3616, accuracy: 1e-9)
        XCTAssertEqual(SpeculationMetrics.expectedTokensPerPass(conditionalAcceptance: 1, draftLength: 4), 5)
        XCTAssertEqual(SpeculationMetrics.expectedTokensPerPass(conditionalAcceptance: 0, draftLength: 4), 1)
    }
}
