import XCTest
@testable import AugurSampling

final class StopMatcherTests: XCTestCase {
    /// Feeds `pieces`, returns everything emitted (plus `finish()` when no stop) and the stop string.
    private func run(_ stops: [String], _ pieces: [String]) -> (text: String, stop: String?, emitted: [String]) {
        var m = StopMatcher(stops)
        var emitted: [String] = []
        for p in pieces {
            let out = m.feed(p)
            emitted.append(out.text)
            if let s = out.stop { return (emitted.joined(), s, emitted) }
        }
        emitted.append(m.finish())
        return (emitted.joined(), nil, emitted)
    }

    func testStopInsideOnePiece() {
        let r = run(["STOP"], ["Hello", " worldSTOP and more", "never"])
        XCTAssertEqual(r.text, "Hello world")
        XCTAssertEqual(r.stop, "STOP")
    }

    func testStopSpanningPiecesIsHeldBackAndNeverEmitted() {
        let r = run(["</s>"], ["abc<", "/", "s", "> tail"])
        XCTAssertEqual(r.emitted, ["abc", "", "", ""])
        XCTAssertEqual(r.text, "abc")
        XCTAssertEqual(r.stop, "</s>")
    }

    func testFalseStartIsReleasedOnceItCannotMatch() {
        var m = StopMatcher(["</s>"])
        XCTAssertEqual(m.feed("x </"), .init(text: "x "))
        XCTAssertEqual(m.heldText, "</")
        XCTAssertEqual(m.feed("b> y"), .init(text: "</b> y"))
        XCTAssertEqual(m.heldText, "")
        XCTAssertEqual(m.feed("<"), .init(text: ""))
        XCTAssertEqual(m.finish(), "<", "end of stream releases the held text")
    }

    func testOverlappingPrefixes() {
        // "aab" inside "aaab": the held tail must be re-examined, not discarded.
        let r = run(["aab"], ["a", "a", "a", "b", "c"])
        XCTAssertEqual(r.text, "a")
        XCTAssertEqual(r.stop, "aab")
    }

    func testEarliestOfSeveralStopStringsWins() {
        let r = run(["world", "lo w"], ["Hello world"])
        XCTAssertEqual(r.text, "Hel")
        XCTAssertEqual(r.stop, "lo w")
        let tie = run(["ab", "abc"], ["xabc"])
        XCTAssertEqual(tie.text, "x")
        XCTAssertEqual(tie.stop, "ab", "equal starts: the first listed")
    }

    func testNoStopStringsPassesEverythingThrough() {
        let r = run([], ["a", "b</s>"])
        XCTAssertEqual(r.emitted, ["a", "b</s>", ""])
        let empty = run([""], ["abc"])
        XCTAssertEqual(empty.text, "abc")
    }

    func testInputAfterAStopIsIgnored() {
        var m = StopMatcher(["\n\n"])
        XCTAssertEqual(m.feed("line\n\nnext"), .init(text: "line", stop: "\n\n"))
        XCTAssertEqual(m.feed("more"), .init(text: "", stop: "\n\n"))
        XCTAssertEqual(m.finish(), "")
    }

    func testUnicodeAndCRLF() {
        let r = run(["→ end"], ["naïve → e", "nd"])
        XCTAssertEqual(r.text, "naïve ")
        XCTAssertEqual(r.stop, "→ end")
        // "\n" matches inside "\r\n" (bytes, not grapheme clusters).
        let crlf = run(["\n"], ["a\r", "\nb"])
        XCTAssertEqual(crlf.text, "a\r")
        // A multi-byte character sharing a lead byte with the stop string is released intact.
        let near = run(["é!"], ["café", "?"])
        XCTAssertEqual(near.text, "café?")
    }

    /// Randomised: splitting the same text into pieces anywhere gives the same output, which equals
    /// the text before the first stop string.
    func testPieceBoundariesDoNotMatter() {
        var rng = Xoshiro256StarStar(seed: 3)
        let alphabet = Array("ab<>/s ")
        let stops = ["</s>", "ab>", "s s"]
        for _ in 0..<300 {
            let text = String((0..<40).map { _ in alphabet[Int(rng.nextDouble() * Double(alphabet.count))] })
            var pieces: [String] = []
            var rest = Substring(text)
            while !rest.isEmpty {
                let n = 1 + Int(rng.nextDouble() * 5)
                pieces.append(String(rest.prefix(n)))
                rest = rest.dropFirst(n)
            }
            let firstStop = stops.compactMap { s in text.range(of: s).map { (text.distance(from: text.startIndex, to: $0.lowerBound), s) } }
                .min { $0.0 < $1.0 }
            let r = run(stops, pieces)
            if let (offset, _) = firstStop {
                XCTAssertEqual(r.text, String(text.prefix(offset)), text)
                XCTAssertNotNil(r.stop)
            } else {
                XCTAssertEqual(r.text, text)
                XCTAssertNil(r.stop)
            }
        }
    }
}
