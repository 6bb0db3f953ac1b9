import AugurSampling

/// Prompt-lookup (n-gram) drafting: zero model cost.
///
/// Takes the last n tokens of the committed sequence (prompt + output), finds their most recent
/// earlier occurrence, and proposes the tokens that followed it; n is tried from `maxN` down to
/// `minN`, so longer (more specific) matches win. Works well when the output copies from the
/// prompt (code edits, summaries, RAG). Source: Saxena 2023, "Prompt Lookup Decoding"
/// (github.com/apoorvumang/prompt-lookup-decoding); llama.cpp's `--spec-type ngram` / `lookup` examples.
///
/// Cost: one hash index per n, `[hash(n-gram) → latest start]`, updated incrementally as the
/// sequence grows (O(maxN − minN + 1) per new token); a lookup is one probe per n plus a compare.
/// A context that is not an extension of the indexed one (a new generation) is re-indexed from
/// scratch, O(length × n-sizes).
///
/// Deterministic: ``Draft/distributions`` is nil (q is one-hot on each proposed token).
public final class PromptLookupDrafter: Drafter {
    /// Match sizes and draft length.
    public struct Options: Sendable, Equatable {
        /// Shortest n-gram tried (≥ 1).
        public var minN: Int
        /// Longest n-gram tried (≥ minN).
        public var maxN: Int
        /// Most tokens proposed per call (also capped by `draft`'s `maxTokens`).
        public var maxDraft: Int

        public init(minN: Int = 1, maxN: Int = 3, maxDraft: Int = 10) {
            self.minN = max(1, minN)
            self.maxN = max(self.minN, maxN)
            self.maxDraft = max(0, maxDraft)
        }
    }

    public let options: Options
    /// Tokens the index covers.
    private var indexed: [Int32] = []
    /// `index[n - minN][hash]` = latest start i of an n-gram with that hash that has a following
    /// token (i + n < indexed.count). Hash collisions are resolved by comparing tokens on lookup.
    private var index: [[UInt64: Int]]
    /// `previous[n - minN][i]` = the start that `index` held for the hash of the n-gram at i before i
    /// replaced it (−1: none): a per-hash chain of earlier occurrences, newest first, for
    /// ``occurrences(context:limit:scan:)``.
    private var previous: [[Int]]

    public init(options: Options = Options()) {
        self.options = options
        index = Array(repeating: [:], count: options.maxN - options.minN + 1)
        previous = Array(repeating: [], count: options.maxN - options.minN + 1)
    }

    public func begin(prompt: [Int32]) {
        reset()
        sync(prompt)
    }

    public func accept(committed: [Int32]) { sync(committed) }

    /// The continuation of the latest earlier occurrence of the longest matching suffix n-gram.
    public func draft(context: [Int32], maxTokens: Int) -> Draft {
        let k = min(maxTokens, options.maxDraft)
        // The latest occurrence only (one chain entry per n: a hash collision falls through to n − 1);
        // `occurrences` brings the index up to `context` first.
        guard k > 0, let (n, starts) = occurrences(context: context, limit: 1, scan: 1) else { return .empty }
        let from = starts[0] + n  // < indexed.count: only n-grams with a following token are indexed
        return Draft(tokens: Array(indexed[from..<min(from + k, indexed.count)]))
    }

    /// How long the context's suffix agrees with the earlier occurrence ``draft(context:maxTokens:)``
    /// would continue, as a class for the draft-length policy: 0 no match, 1 one or two tokens,
    /// 2 three to seven, 3 eight to fifteen, 4 sixteen or more. A long agreement means the reply is
    /// copying a stretch of the prompt or of itself (a code edit), where lookup drafts are accepted
    /// far more often than after a one-token match.
    public func draftClass(context: [Int32]) -> Int {
        guard let (n, starts) = occurrences(context: context, limit: 1, scan: 1) else { return 0 }
        let suffixStart = indexed.count - n
        var agreed = n
        while agreed < 16, starts[0] + n - agreed - 1 >= 0,
              indexed[starts[0] + n - agreed - 1] == indexed[suffixStart + n - agreed - 1] {
            agreed += 1
        }
        switch agreed {
        case ...2: return 1
        case ...7: return 2
        case ...15: return 3
        default: return 4
        }
    }

    /// For the longest n (maxN down to minN) whose suffix n-gram of `context` occurs earlier with a
    /// following token: n and up to `limit` of those occurrences' starts, latest first (each start i
    /// has `context[i..<i+n]` equal to the suffix and i + n < context.count). At most `scan` chain
    /// entries (hash collisions included) are examined per n. Nil when no n matches.
    func occurrences(context: [Int32], limit: Int, scan: Int) -> (n: Int, starts: [Int])? {
        sync(context)
        let length = indexed.count
        guard limit > 0 else { return nil }
        for n in stride(from: options.maxN, through: options.minN, by: -1) where n < length {
            let suffixStart = length - n
            let h = Self.hash(indexed, from: suffixStart, count: n)
            var starts: [Int] = []
            var at = index[n - options.minN][h] ?? -1
            var examined = 0
            while at >= 0 && starts.count < limit && examined < scan {
                if (0..<n).allSatisfy({ indexed[at + $0] == indexed[suffixStart + $0] }) { starts.append(at) }
                at = previous[n - options.minN][at]
                examined += 1
            }
            if !starts.isEmpty { return (n, starts) }
        }
        return nil
    }

    /// Forgets everything indexed.
    public func reset() {
        indexed.removeAll(keepingCapacity: true)
        for i in index.indices { index[i].removeAll(keepingCapacity: true) }
        for i in previous.indices { previous[i].removeAll(keepingCapacity: true) }
    }

    /// Extends the index to `tokens`, or rebuilds it when `tokens` does not extend what is indexed.
    private func sync(_ tokens: [Int32]) {
        if tokens.count < indexed.count || !tokens[..<indexed.count].elementsEqual(indexed) { reset() }
        for t in tokens[indexed.count...] {
            indexed.append(t)
            // The n-grams that now have a following token are those ending just before `t`.
            let end = indexed.count - 1
            for n in options.minN...options.maxN where end - n >= 0 {
                let h = Self.hash(indexed, from: end - n, count: n)
                // Starts arrive in order 0, 1, 2, … per n, so `previous[k]` is indexed by start.
                previous[n - options.minN].append(index[n - options.minN][h] ?? -1)
                index[n - options.minN][h] = end - n
            }
        }
    }

    /// FNV-1a over the token ids' bytes.
    @inline(__always)
    private static func hash(_ tokens: [Int32], from start: Int, count: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in start..<(start + count) {
            h = (h ^ UInt64(UInt32(bitPattern: tokens[i]))) &* 0x0000_0100_0000_01B3
        }
        return h
    }
}
