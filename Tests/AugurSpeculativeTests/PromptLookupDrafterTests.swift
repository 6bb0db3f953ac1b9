import AugurSpeculative
import AugurTestSupport
import Foundation
import XCTest

final class PromptLookupDrafterTests: XCTestCase {
    /// Plain backwards scan, written independently of the indexed drafter: the reference twin.
    private func referenceDraft(_ s: [Int32], minN: Int, maxN: Int, k: Int) -> [Int32] {
        for n in stride(from: maxN, through: minN, by: -1) where n < s.count {
            let suffix = Array(s[(s.count - n)...])
            var start = s.count - n - 1
            while start >= 0 {
                if Array(s[start..<(start + n)]) == suffix {
                    return Array(s[(start + n)..<min(start + n + k, s.count)])
                }
                start -= 1
            }
        }
        return []
    }

    func testProposesContinuationOfLatestEarlierOccurrence() {
        let d = PromptLookupDrafter(options: .init(minN: 1, maxN: 2, maxDraft: 3))
        // "7 8" occurs at 0 and 3; the latest (3) is followed by 2.
        XCTAssertEqual(d.draft(context: [7, 8, 1, 7, 8, 2, 5, 7, 8], maxTokens: 10).tokens, [2, 5, 7])
        XCTAssertNil(d.draft(context: [7, 8, 1, 7, 8, 2, 5, 7, 8], maxTokens: 10).distributions)
    }

    func testLongerMatchWinsOverLaterShorterOne() {
        let d = PromptLookupDrafter(options: .init(minN: 1, maxN: 2, maxDraft: 10))
        // "1 2" matches at 1 (→ 9 3); "2" alone would match later, at 5 (→ 4).
        XCTAssertEqual(d.draft(context: [5, 1, 2, 9, 3, 2, 4, 1, 2], maxTokens: 2).tokens, [9, 3])
        let short = PromptLookupDrafter(options: .init(minN: 1, maxN: 1, maxDraft: 10))
        XCTAssertEqual(short.draft(context: [5, 1, 2, 9, 3, 2, 4, 1, 2], maxTokens: 2).tokens, [4, 1])
    }

    func testNoMatchGivesEmptyDraft() {
        let d = PromptLookupDrafter(options: .init(minN: 2, maxN: 3, maxDraft: 5))
        XCTAssertTrue(d.draft(context: [1, 2, 3, 4, 5, 1], maxTokens: 5).isEmpty)
        XCTAssertTrue(d.draft(context: [], maxTokens: 5).isEmpty)
        XCTAssertTrue(d.draft(context: [1, 2, 1, 2], maxTokens: 0).isEmpty)
    }

    func testMatchesReferenceScanWhileGrowingAndAfterRestart() {
        var rng = SeededRandom(seed: 11)
        let d = PromptLookupDrafter(options: .init(minN: 1, maxN: 4, maxDraft: 6))
        for round in 0..<3 {
            var s: [Int32] = (0..<20).map { _ in Int32(rng.next() % 6) }
            d.begin(prompt: s)  // round > 0: a new generation, not an extension
            for _ in 0..<200 {
                let got = d.draft(context: s, maxTokens: 6).tokens
                XCTAssertEqual(got, referenceDraft(s, minN: 1, maxN: 4, k: 6), "round \(round), length \(s.count)")
                // Commit a mix of drafted and fresh tokens.
                if !got.isEmpty && rng.next() % 2 == 0 { s += got.prefix(Int(rng.next() % UInt64(got.count)) + 1) }
                s.append(Int32(rng.next() % 6))
                d.accept(committed: s)
            }
        }
    }

    func testDraftClassGrowsWithTheAgreementBeforeTheMatch() {
        let d = PromptLookupDrafter()
        XCTAssertEqual(d.draftClass(context: [1, 2, 3]), 0, "no earlier occurrence")
        XCTAssertEqual(d.draftClass(context: [5, 6, 7, 9, 7]), 1, "one token agrees")
        // A reply copying a 30-token stretch of the prompt: the longer the copy so far, the higher the class.
        let stretch = (100..<130).map(Int32.init)
        for (copied, expected) in [(5, 2), (10, 3), (15, 3), (16, 4), (25, 4)] {
            let context = stretch + [1, 2] + stretch.prefix(copied)
            XCTAssertEqual(d.draftClass(context: context), expected, "\(copied) tokens copied")
            XCTAssertEqual(d.draft(context: context, maxTokens: 3).tokens, Array(stretch[copied..<(copied + 3)]))
        }
    }

    func testFastOn4kContext() {
        var rng = SeededRandom(seed: 3)
        let s: [Int32] = (0..<4096).map { _ in Int32(rng.next() % 2000) }
        let d = PromptLookupDrafter()
        let t0 = Date()
        d.begin(prompt: Array(s.prefix(3072)))
        var proposed = 0
        for n in 3072...4096 { proposed += d.draft(context: Array(s.prefix(n)), maxTokens: 8).count }
        let elapsed = Date().timeIntervalSince(t0)
        print("prompt lookup: 3072-token index + 1025 drafts on up to 4096 tokens in \(String(format: "%.1f", elapsed * 1000)) ms (\(proposed) tokens proposed)")
        XCTAssertLessThan(elapsed, 2.0)
    }
}
