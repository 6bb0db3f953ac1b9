/// Cuts text at literal occurrences of special tokens before pre-tokenization.
///
/// Follows llama.cpp's `tokenizer_st_partition` (src/llama-vocab.cpp): special tokens are tried one
/// after another, longest text first; each one splits every still-raw text fragment at all its
/// occurrences, left to right. Control and unknown tokens (`token_type` 3 and 2) take part only
/// when `parseSpecial` is true; user-defined tokens (`token_type` 4, e.g. Qwen's `<tool_call>`)
/// always do, as in Hugging Face tokenizers.
struct SpecialTokenSplitter {
    struct Entry {
        let id: Int32
        let bytes: [UInt8]
        /// Control or unknown: matched only when special tokens are parsed.
        let needsParseSpecial: Bool
    }

    /// A run of the input: raw text (a byte range) or one special token.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Entries sorted by byte length, longest first (ties by id, for determinism).
    let entries: [Entry]

    init(entries: [Entry]) {
        self.entries = entries.filter { !$0.bytes.isEmpty }.sorted {
            $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id
        }
    }

    /// The fragments of `text`, in order; raw-text ranges are never empty.
    func split(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        guard !text.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<text.count)]
        for e in entries where parseSpecial || !e.needsParseSpecial {
            guard fragments.contains(where: { if case .text = $0 { return true } else { return false } }) else { break }
            var out: [Fragment] = []
            out.reserveCapacity(fragments.count + 2)
            for f in fragments {
                guard case .text(let range) = f else { out.append(f); continue }
                var start = range.lowerBound
                while let m = find(e.bytes, in: text, from: start, to: range.upperBound) {
                    if m > start { out.append(.text(start..<m)) }
                    out.append(.token(e.id))
                    start = m + e.bytes.count
                }
                if start < range.upperBound { out.append(.text(start..<range.upperBound)) }
            }
            fragments = out
        }
        return fragments
    }

    /// The first index `i` in `[from, to - needle.count]` where `needle` occurs in `text`.
    private func find(_ needle: [UInt8], in text: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        let m = needle.count
        guard to - from >= m else { return nil }
        let first = needle[0]
        var i = from
        let last = to - m
        while i <= last {
            if text[i] == first {
                var k = 1
                while k < m && text[i + k] == needle[k] { k += 1 }
                if k == m { return i }
            }
            i += 1
        }
        return nil
    }
}
