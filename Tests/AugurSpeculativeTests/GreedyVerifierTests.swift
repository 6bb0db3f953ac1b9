import XCTest
import AugurSampling
@testable import AugurSpeculative

final class GreedyVerifierTests: XCTestCase {
    /// Dense distribution over 4 tokens with the given probabilities.
    private func d(_ p: [Float]) -> TokenDistribution { TokenDistribution(dense: p) }

    private func verify(_ draft: [Int32], _ targets: [TokenDistribution]) throws -> Verification {
        var rng = Xoshiro256StarStar(seed: 1)
        return try GreedyVerifier().verify(draft: draft, draftDistributions: [], targetDistributions: targets, rng: &rng)
    }

    func testAllAcceptedThenBonus() throws {
        let targets = [d([0.1, 0.2, 0.6, 0.1]), d([0.2, 0.5, 0.2, 0.1]), d([0.1, 0.1, 0.1, 0.7]), d([0.4, 0.3, 0.2, 0.1])]
        let v = try verify([2, 1, 3], targets)
        XCTAssertEqual(v.acceptedCount, 3)
        XCTAssertEqual(v.emitted, [2, 1, 3, 0])
    }

    func testFirstTokenRejected() throws {
        let targets = [d([0.1, 0.2, 0.6, 0.1]), d([0.2, 0.5, 0.2, 0.1]), d([0.4, 0.3, 0.2, 0.1])]
        let v = try verify([1, 1], targets)
        XCTAssertEqual(v.acceptedCount, 0)
        XCTAssertEqual(v.emitted, [2])
    }

    func testMiddleRejection() throws {
        let targets = [d([0.1, 0.2, 0.6, 0.1]), d([0.5, 0.2, 0.2, 0.1]), d([0.1, 0.1, 0.1, 0.7]), d([0.4, 0.3, 0.2, 0.1])]
        let v = try verify([2, 1, 3], targets)
        XCTAssertEqual(v.acceptedCount, 1)
        XCTAssertEqual(v.emitted, [2, 0])
    }

    func testTiesGoToLowestId() throws {
        let tie = d([0.1, 0.4, 0.4, 0.1])
        let rejected = try verify([2], [tie, d([0, 0, 0, 1])])
        XCTAssertEqual(rejected.acceptedCount, 0)
        XCTAssertEqual(rejected.emitted, [1])
        let accepted = try verify([1], [tie, d([0, 0.5, 0.5, 0])])
        XCTAssertEqual(accepted.acceptedCount, 1)
        XCTAssertEqual(accepted.emitted, [1, 1])
        // Sparse layout: ties also resolve to the lowest id.
        let sparse = TokenDistribution(vocabularySize: 10, ids: [3, 7, 9], probabilities: [0.2, 0.4, 0.4])
        XCTAssertEqual(try verify([9], [sparse, tie]).emitted, [7])
    }

    func testEmptyDraftEmitsArgmax() throws {
        let v = try verify([], [d([0.1, 0.2, 0.3, 0.4])])
        XCTAssertEqual(v, Verification(acceptedCount: 0, emitted: [3]))
    }

    func testCountMismatchThrows() {
        XCTAssertThrowsError(try verify([1, 2], [d([1, 0, 0, 0])])) { error in
            XCTAssertEqual(error as? VerificationError, .targetCountMismatch(expected: 3, actual: 1))
        }
    }

    func testRefusesTemperature() {
        XCTAssertThrowsError(try GreedyVerifier(parameters: SamplingParameters(temperature: 0.7))) { error in
            XCTAssertEqual(error as? VerificationError, .greedyWithTemperature(0.7))
        }
        XCTAssertNoThrow(try GreedyVerifier(parameters: .greedy))
    }

    func testFactory() throws {
        let hot = SamplingParameters(temperature: 0.8)
        XCTAssertThrowsError(try makeVerifier(for: hot, method: .greedy)) { error in
            XCTAssertEqual(error as? VerificationError, .greedyWithTemperature(0.8))
        }
        XCTAssertTrue(try makeVerifier(for: .greedy) is GreedyVerifier)
        XCTAssertTrue(try makeVerifier(for: hot) is SpeculativeSamplingVerifier)
        XCTAssertTrue(try makeVerifier(for: .greedy, method: .speculativeSampling) is SpeculativeSamplingVerifier)
        XCTAssertTrue(try makeVerifier(for: .greedy, method: .greedy) is GreedyVerifier)
    }
}
