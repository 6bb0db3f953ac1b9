import AugurEngine
import AugurTokenizer

/// A tiny deterministic tokenizer over a fixed vocabulary of multi-character pieces.
///
/// Id 0 is `<eos>` (end of generation), id 1 `<|im_start|>`, id 2 `<|im_end|>` (both special: only parsed
/// with `parseSpecial`, and `<|im_end|>` also ends a generation). Ids 3… are text pieces; 14 and 15 are
/// the two UTF-8 bytes of "é", so a character spans two tokens; then single bytes for the rest of
/// printable ASCII and for bytes 0x80…0xFF. Encoding is greedy longest match.
struct FakeCodec: TextCodec {
    static let eos: Int32 = 0
    static let imEnd: Int32 = 2
    static let pieces: [[UInt8]] = {
        let text = ["<eos>", "<|im_start|>", "<|im_end|>", "a", "b", "c", " ", "ab", "ba", "cab", "!", "x", "\n", "yz"]
        var pieces = text.map { Array($0.utf8) } + [[0xC3], [0xA9]]
        // Byte fallback for every other byte, so any text encodes (including U+FFFD from a lone byte).
        for b in UInt8(0x20)...UInt8(0xFF) where b != 0x7F && !pieces.contains([b]) { pieces.append([b]) }
        return pieces
    }()
    /// Ids below this are the "likely" pieces the fake model favours.
    static let commonCount = 16
    static let specialCount = 3
    static var vocabSize: Int { pieces.count }

    enum Failure: Error { case unknownCharacter(UInt8) }

    func encode(_ text: String, parseSpecial: Bool) throws -> [Int32] {
        let bytes = Array(text.utf8)
        var ids: [Int32] = []
        var i = 0
        while i < bytes.count {
            var best = -1, bestLen = 0
            for (id, p) in Self.pieces.enumerated() where p.count > bestLen && (parseSpecial || id >= Self.specialCount) {
                if i + p.count <= bytes.count && Array(bytes[i..<(i + p.count)]) == p { best = id; bestLen = p.count }
            }
            guard best >= 0 else { throw Failure.unknownCharacter(bytes[i]) }
            ids.append(Int32(best))
            i += bestLen
        }
        return ids
    }

    func makeTextStream() -> any TextStream { Stream() }

    func isEndOfGeneration(_ token: Int32) -> Bool { token == Self.eos || token == Self.imEnd }

    var promptPrefixToken: Int32? { nil }

    /// Concatenated text of `ids` (for expectations).
    static func text(_ ids: [Int32]) -> String {
        String(decoding: ids.flatMap { pieces[Int($0)] }, as: UTF8.self)
    }

    struct Stream: TextStream {
        var pending: [UInt8] = []
        mutating func push(_ token: Int32) -> String {
            pending += FakeCodec.pieces[Int(token)]
            // Hold back a trailing lead byte whose sequence is not complete yet; emit the rest
            // (invalid bytes become U+FFFD, as the real decoder does).
            var keep = 0
            for back in 1...min(3, pending.count) {
                let b = pending[pending.count - back]
                guard b & 0xC0 == 0xC0 else { continue }
                let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                if need > back { keep = back }
                break
            }
            let out = String(decoding: pending.dropLast(keep), as: UTF8.self)
            pending = Array(pending.suffix(keep))
            return out
        }
        mutating func finish() -> String {
            defer { pending = [] }
            return String(decoding: pending, as: UTF8.self)
        }
    }
}

/// ChatML without a default system prompt: `<|im_start|>role\ncontent<|im_end|>\n` per message.
struct FakeChatRenderer: ChatRenderer {
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        var s = ""
        for m in messages { s += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if addGenerationPrompt { s += "<|im_start|>assistant\n" }
        return s
    }
}
