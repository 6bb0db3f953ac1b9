import AugurTestSupport
@testable import AugurTokenizer
import XCTest

final class StreamingDecoderTests: XCTestCase {
    func testIncompleteSuffixLength() {
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([]), 0)
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0x41]), 0)
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xE2, 0x82]), 2)
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xE2, 0x82, 0xAC]), 0)
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0x41, 0xF0, 0x9F, 0x98]), 3)
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xF0, 0x9F, 0x98, 0x80]), 0)
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xC3]), 1)
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xC0]), 0)        // never a lead byte
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xED, 0xA0]), 0)  // would be a surrogate
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xE0, 0x80]), 0)  // over-long
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0x80, 0x80]), 0)  // stray continuations
        XCTAssertEqual(StreamingDecoder.incompleteSuffixLength([0xE2, 0x41]), 0)
    }

    /// With no merges every byte is its own token, so a 4-byte emoji arrives in four pieces.
    func testHoldsBackPartialCharacters() throws {
        let tok = try Tokenizer(gguf: TinyGGUF.bpeVocabulary(extra: [], merges: []))
        let ids = tok.encode("a😀é")
        XCTAssertEqual(ids.count, 1 + 4 + 2)
        var d = StreamingDecoder(tokenizer: tok)
        let chunks = ids.map { d.append($0) }
        XCTAssertEqual(chunks, ["a", "", "", "", "😀", "", "é"])
        XCTAssertFalse(d.hasPendingBytes)
        XCTAssertEqual(d.flush(), "")

        // A cut-off character is held back, then flushed as one replacement character.
        var d2 = StreamingDecoder(tokenizer: tok)
        XCTAssertEqual(d2.append(contentsOf: Array(ids.prefix(3))), "a")
        XCTAssertTrue(d2.hasPendingBytes)
        XCTAssertEqual(d2.flush(), "\u{FFFD}")
    }

    /// Streaming real text token by token never yields U+FFFD and reassembles the text exactly.
    func testStreamingFixtureStrings() throws {
        let fx = try TokenizerFixtures.load()
        for model in [TestModels.qwenTarget, TestModels.smol] {
            let tok = try LoadedTokenizers.get(model)
            var split = 0
            for s in fx.strings where !s.contains("\u{FFFD}") {
                var d = StreamingDecoder(tokenizer: tok)
                var out = ""
                for id in tok.encode(s) {
                    let chunk = d.append(id)
                    XCTAssertFalse(chunk.contains("\u{FFFD}"), "\(model): half a character emitted for \(s.debugDescription)")
                    out += chunk
                    if d.hasPendingBytes { split += 1 }
                }
                out += d.flush()
                XCTAssertEqual(out, s, model)
            }
            XCTAssertGreaterThan(split, 10, "\(model): the corpus should contain characters split across tokens")
        }
    }

    /// For arbitrary byte-token sequences (mostly invalid UTF-8), the joined stream equals `decode`.
    func testStreamingEqualsDecodeForRandomBytes() throws {
        let tok = try Tokenizer(gguf: TinyGGUF.bpeVocabulary(extra: [], merges: []))
        var rng = SeededRandom(seed: 42)
        // Bias towards bytes of multi-byte sequences so that partial and broken characters are common.
        let pool: [UInt8] = [0x41, 0x20, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xED, 0xA0, 0xC0, 0xFF, 0xE0]
        for _ in 0..<2000 {
            let ids = (0..<Int(rng.next() % 12)).map { _ -> Int32 in
                let b = rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : pool[Int(rng.next() % UInt64(pool.count))]
                return tok.tokenID(for: ByteLevel.encode([b]))!
            }
            var d = StreamingDecoder(tokenizer: tok)
            let joined = ids.map { d.append($0) }.joined() + d.flush()
            XCTAssertEqual(joined, tok.decode(ids), "\(ids)")
        }
    }
}

