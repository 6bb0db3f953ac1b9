@testable import AugurTokenizer
import XCTest

/// Word splits worked out by hand from the regexes in `PreTokenizer`'s documentation.
final class PreTokenizerTests: XCTestCase {
    private func words(_ pre: PreTokenizer, _ text: String) -> [String] {
        var text = text
        text.makeContiguousUTF8()
        let bytes = Array(text.utf8)
        var st = ScalarText()
        bytes.withUnsafeBufferPointer { st.load($0, base: 0) }
        var ranges: [Range<Int>] = []
        pre.split(st, into: &ranges)
        return ranges.map { String(decoding: bytes[st.byteOffsets[$0.lowerBound]..<st.byteOffsets[$0.upperBound]], as: UTF8.self) }
    }

    func testQwen2() {
        XCTAssertEqual(words(.qwen2, "Hello world"), ["Hello", " world"])
        XCTAssertEqual(words(.qwen2, "I'm I'M it's"), ["I", "'m", " I", "'M", " it", "'s"])
        XCTAssertEqual(words(.qwen2, "abc123"), ["abc", "1", "2", "3"])
        XCTAssertEqual(words(.qwen2, "  hi"), [" ", " hi"])
        XCTAssertEqual(words(.qwen2, "a  \n\n b"), ["a", "  \n\n", " b"])
        XCTAssertEqual(words(.qwen2, "x = (y);\n"), ["x", " =", " (", "y", ");\n"])
        XCTAssertEqual(words(.qwen2, "\tfoo"), ["\tfoo"])
        XCTAssertEqual(words(.qwen2, "end  "), ["end", "  "])
        XCTAssertEqual(words(.qwen2, "日本語 text"), ["日本語", " text"])
        XCTAssertEqual(words(.qwen2, ""), [])
    }

    func testLlama3GroupsDigitsByThree() {
        XCTAssertEqual(words(.llama3, "1234567"), ["123", "456", "7"])
        XCTAssertEqual(words(.llama3, "x12"), ["x", "12"])
    }

    func testSmolLMIsolatesDigitsThenGPT2() {
        XCTAssertEqual(words(.smollm, "abc123"), ["abc", "1", "2", "3"])
        XCTAssertEqual(words(.smollm, "I'M it's"), ["I", "'", "M", " it", "'s"])
        XCTAssertEqual(words(.smollm, "Hello world"), ["Hello", " world"])
        XCTAssertEqual(words(.smollm, "a  b"), ["a", " ", " b"])
        XCTAssertEqual(words(.smollm, "x 1"), ["x", " ", "1"])
        XCTAssertEqual(words(.smollm, "\tfoo"), ["\t", "foo"])
        XCTAssertEqual(words(.smollm, "(y)"), ["(", "y", ")"])
        XCTAssertEqual(words(.gpt2, "x 12"), ["x", " 12"])
    }

    func testCharacterClassesFollowUnicode15() {
        XCTAssertEqual(CharClass.of(0x61), .letter)
        XCTAssertEqual(CharClass.of(0x4E2D), .letter)        // 中
        XCTAssertEqual(CharClass.of(0x0663), .number)        // Arabic-Indic three
        XCTAssertEqual(CharClass.of(0x00BD), .number)        // ½
        XCTAssertEqual(CharClass.of(0x3000), .whitespace)
        XCTAssertEqual(CharClass.of(0x200B), .other)         // zero width space is not White_Space
        XCTAssertEqual(CharClass.of(0x0301), .other)         // combining mark
        XCTAssertEqual(CharClass.of(0x1C89), .other)         // letter added in Unicode 16
        XCTAssertEqual(CharClass.of(0x1F600), .other)        // emoji
    }
}
