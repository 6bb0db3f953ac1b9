/// How text is cut into words before BPE merges run inside each word (`tokenizer.ggml.pre`).
///
/// Each case is a hand-written scanner over Unicode scalars that reproduces the regex llama.cpp
/// uses for that name (src/llama-vocab.cpp, `llm_tokenizer_bpe`; scanners in src/unicode.cpp),
/// including its edge behaviour at segment ends. Character classes come from `CharClass`.
///
/// - `qwen2`: the GPT-4 (cl100k) pattern with single digits:
///   `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - `llama3` (`llama-bpe`): the same with `\p{N}{1,3}`, and a word that is a whole vocabulary
///   entry is taken as is ("ignore merges").
/// - `smollm`: every `\p{N}` isolated, then the GPT-2 pattern on the rest.
/// - `gpt2`: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)` (plus `\s+`).
public enum PreTokenizer: String, Sendable, CaseIterable {
    case qwen2
    case llama3
    case smollm
    case gpt2

    /// The `tokenizer.ggml.pre` values Augur accepts, for error messages.
    public static let supportedNames = ["qwen2", "smollm", "gpt-2", "llama-bpe", "llama3"]

    /// The pre-tokenizer for a `tokenizer.ggml.pre` value, or nil when unsupported.
    public init?(ggufName: String) {
        switch ggufName {
        case "qwen2": self = .qwen2
        case "smollm": self = .smollm
        case "gpt-2": self = .gpt2
        case "llama-bpe", "llama3", "llama-v3": self = .llama3
        default: return nil
        }
    }

    /// Whether a word found verbatim in the vocabulary skips BPE merges (llama.cpp `ignore_merges`).
    var ignoresMerges: Bool { self == .llama3 }

    /// Appends to `words` the scalar-index ranges of the words of `text`, in order, covering it.
    func split(_ text: ScalarText, into words: inout [Range<Int>]) {
        text.scalars.withUnsafeBufferPointer { s in
            text.classes.withUnsafeBufferPointer { c in
                let scanner = Scanner(s: s, c: c)
                switch self {
                case .qwen2: scanner.gpt4Style(0, s.count, maxDigits: 1, into: &words)
                case .llama3: scanner.gpt4Style(0, s.count, maxDigits: 3, into: &words)
                case .gpt2: scanner.gpt2Style(0, s.count, into: &words)
                case .smollm:
                    // `\p{N}` isolated first; the GPT-2 scanner then runs on each stretch between digits.
                    var start = 0
                    for i in 0..<s.count where c[i] == .number {
                        if i > start { scanner.gpt2Style(start, i, into: &words) }
                        words.append(i..<(i + 1))
                        start = i + 1
                    }
                    if start < s.count { scanner.gpt2Style(start, s.count, into: &words) }
                }
            }
        }
    }
}

private let apostrophe = UInt32(UInt8(ascii: "'")), space = UInt32(UInt8(ascii: " "))
private let cr = UInt32(UInt8(ascii: "\r")), lf = UInt32(UInt8(ascii: "\n"))

/// ASCII lower case of `v` (llama.cpp lower-cases with Unicode tables, but no non-ASCII scalar
/// lower-cases to one of the letters of `'s 't 're 've 'm 'll 'd`).
@inline(__always) private func lower(_ v: UInt32) -> UInt32 {
    (0x41...0x5A).contains(v) ? v | 0x20 : v
}

private struct Scanner {
    let s: UnsafeBufferPointer<UInt32>
    let c: UnsafeBufferPointer<CharClass>

    /// Length of the contraction (`'s`, `'RE`, ...) starting at `pos` in `[pos, end)`, or 0.
    @inline(__always)
    func contraction(_ pos: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard s[pos] == apostrophe, pos + 1 < end else { return 0 }
        let fold: (UInt32) -> UInt32 = caseInsensitive ? lower : { $0 }
        let n1 = fold(s[pos + 1])
        if n1 == 0x73 || n1 == 0x74 || n1 == 0x6D || n1 == 0x64 { return 2 }  // s t m d
        guard pos + 2 < end else { return 0 }
        let n2 = fold(s[pos + 2])
        if (n1 == 0x72 && n2 == 0x65) || (n1 == 0x76 && n2 == 0x65) || (n1 == 0x6C && n2 == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    /// Length of the whitespace run at `pos`, and the end of its last `\r`/`\n` (or -1).
    @inline(__always)
    func whitespaceRun(_ pos: Int, _ end: Int) -> (count: Int, lastNewlineEnd: Int) {
        var n = 0, lastNL = -1
        while pos + n < end, c[pos + n] == .whitespace {
            if s[pos + n] == cr || s[pos + n] == lf { lastNL = pos + n + 1 }
            n += 1
        }
        return (n, lastNL)
    }

    /// The qwen2 / llama3 pattern over `[start, end)`.
    func gpt4Style(_ start: Int, _ end: Int, maxDigits: Int, into words: inout [Range<Int>]) {
        @inline(__always) func cls(_ i: Int) -> CharClass { i < end ? c[i] : .outside }
        var pos = start
        while pos < end {
            let wordStart = pos
            let ch = s[pos], k = c[pos]
            let cl = contraction(pos, end, caseInsensitive: true)
            if cl > 0 {
                pos += cl
            } else if ch != cr && ch != lf && k != .number && (k == .letter || cls(pos + 1) == .letter) {
                // [^\r\n\p{L}\p{N}]?\p{L}+
                pos += 1
                while cls(pos) == .letter { pos += 1 }
            } else if k == .number {
                // \p{N}{1,maxDigits}: emit full groups here, the last (partial) group below
                var groupStart = pos
                while cls(pos) == .number {
                    pos += 1
                    if pos - groupStart >= maxDigits {
                        words.append(groupStart..<pos)
                        groupStart = pos
                    }
                }
                if pos > groupStart { words.append(groupStart..<pos) }
                continue
            } else if (ch == space ? cls(pos + 1) : k) == .other {
                // ' '?[^\s\p{L}\p{N}]+[\r\n]*
                if ch == space { pos += 1 }
                while cls(pos) == .other { pos += 1 }
                while pos < end, s[pos] == cr || s[pos] == lf { pos += 1 }
            } else {
                let (n, lastNL) = whitespaceRun(pos, end)
                if lastNL >= 0 {
                    pos = lastNL                 // \s*[\r\n]+
                } else if n > 1 && pos + n < end {
                    pos += n - 1                 // \s+(?!\S)
                } else if n > 0 {
                    pos += n                     // \s+
                } else {
                    pos += 1                     // no pattern matches: a word of its own
                }
            }
            words.append(wordStart..<pos)
        }
    }

    /// The GPT-2 pattern over `[start, end)`.
    func gpt2Style(_ start: Int, _ end: Int, into words: inout [Range<Int>]) {
        @inline(__always) func cls(_ i: Int) -> CharClass { i < end ? c[i] : .outside }
        var pos = start
        while pos < end {
            let wordStart = pos
            let ch = s[pos]
            let cl = contraction(pos, end, caseInsensitive: false)
            let k2 = ch == space ? cls(pos + 1) : c[pos]
            if cl > 0 {
                pos += cl
            } else if k2 == .letter || k2 == .number || k2 == .other {
                // ' '?\p{L}+ | ' '?\p{N}+ | ' '?[^\s\p{L}\p{N}]+
                if ch == space { pos += 1 }
                while cls(pos) == k2 { pos += 1 }
            } else {
                let (n, _) = whitespaceRun(pos, end)
                if n > 1 && pos + n < end {
                    pos += n - 1                 // \s+(?!\S)
                } else if n > 0 {
                    pos += n                     // \s+
                } else {
                    pos += 1
                }
            }
            words.append(wordStart..<pos)
        }
    }
}
