import Foundation
import XCTest
@testable import AugurSampling

final class RandomGeneratorTests: XCTestCase {
    /// Published SplitMix64 outputs for seed 1234567 (Vigna's reference splitmix64.c).
    func testSplitMix64ReferenceValues() {
        var g = SplitMix64(seed: 1_234_567)
        XCTAssertEqual((0..<5).map { _ in g.next() },
                       [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821])
    }

    /// First outputs for seed 42, from a Python port of the reference xoshiro256starstar.c seeded by SplitMix64.
    func testXoshiroReferenceValues() {
        var g = Xoshiro256StarStar(seed: 42)
        XCTAssertEqual((0..<4).map { _ in g.next() },
                       [1546998764402558742, 6990951692964543102, 12544586762248559009, 17057574109182124193])
    }

    func testSameSeedSameStreamDifferentSeedDifferentStream() {
        var a = Xoshiro256StarStar(seed: 7), b = Xoshiro256StarStar(seed: 7), c = Xoshiro256StarStar(seed: 8)
        let sa = (0..<100).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<100).map { _ in c.next() })
    }

    func testNextDoubleIsUniformOnUnitInterval() {
        var g = Xoshiro256StarStar(seed: 1)
        var bins = [Int](repeating: 0, count: 10)
        let n = 100_000
        for _ in 0..<n {
            let u = g.nextDouble()
            XCTAssertTrue(u >= 0 && u < 1)
            bins[Int(u * 10)] += 1
        }
        // Chi-square, 9 degrees of freedom, 0.1 % critical value 27.88.
        let chi2 = bins.reduce(0.0) { $0 + pow(Double($1) - Double(n) / 10, 2) / (Double(n) / 10) }
        XCTAssertLessThan(chi2, 27.88)
    }
}

final class SamplingParametersTests: XCTestCase {
    func testDefaultsAreGreedyAndValid() throws {
        let p = SamplingParameters()
        XCTAssertTrue(p.isGreedy)
        XCTAssertEqual(p, .greedy)
        XCTAssertNoThrow(try p.validate())
        XCTAssertNoThrow(try SamplingParameters(temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1.1,
                                                repeatLastN: -1, seed: 3).validate())
    }

    func testOutOfRangeParametersThrowNamedErrors() {
        let cases: [(SamplingParameters, String)] = [
            (.init(temperature: -0.1), "temperature"), (.init(temperature: .nan), "temperature"),
            (.init(topK: -1), "topK"), (.init(topP: 0), "topP"), (.init(topP: 1.01), "topP"),
            (.init(minP: -0.01), "minP"), (.init(minP: 1.5), "minP"), (.init(repeatPenalty: 0), "repeatPenalty"),
            (.init(repeatLastN: -2), "repeatLastN"),
        ]
        for (p, name) in cases {
            XCTAssertThrowsError(try p.validate(), name) { error in
                guard case SamplingError.invalidParameter(let n, _, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(n, name)
            }
            XCTAssertThrowsError(try Sampler(parameters: p))
        }
    }

    func testDecodingFillsMissingFieldsWithDefaults() throws {
        let p = try JSONDecoder().decode(SamplingParameters.self, from: Data(#"{"temperature":0.5,"topK":10}"#.utf8))
        XCTAssertEqual(p, SamplingParameters(temperature: 0.5, topK: 10))
        let full = SamplingParameters(temperature: 1.2, topK: 5, topP: 0.9, minP: 0.1, repeatPenalty: 1.3, repeatLastN: 32, seed: 99)
        XCTAssertEqual(try JSONDecoder().decode(SamplingParameters.self, from: JSONEncoder().encode(full)), full)
    }
}
