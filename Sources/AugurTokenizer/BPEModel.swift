/// Byte-level BPE merges over token ids (Sennrich et al. 2016, "Neural Machine Translation of
/// Rare Words with Subword Units", section 3.2; byte-level variant of GPT-2).
///
/// A word (the UTF-8 bytes of one pre-token) starts as one symbol per byte, the token whose
/// vocabulary string is that byte's `ByteLevel` scalar. Then, as in llama.cpp
/// (`llm_tokenizer_bpe_session::tokenize`), the adjacent pair with the lowest merge rank is merged,
/// the leftmost one among equal ranks, until no adjacent pair has a merge. Ranks are the line
/// numbers of `tokenizer.ggml.merges`. Cost: O(n log n) for a word of n bytes (a binary heap of
/// candidate pairs, stale entries skipped when popped).
struct BPEModel {
    /// `byteToken[b]`: the id of the one-byte token for byte `b`, or -1 if the vocabulary lacks it
    /// (such bytes are dropped, as llama.cpp does).
    let byteToken: [Int32]
    /// (left id, right id) → `rank << 32 | merged id`.
    let merges: TokenPairTable
    /// Merges whose left, right or merged string is not a vocabulary entry; they can never apply.
    let unusableMerges: Int

    /// Builds the merge table from `tokenizer.ggml.merges` lines (`"left right"`, split at the first
    /// space after the first byte, as llama.cpp does). Later duplicates of a pair are ignored.
    init(merges lines: [String], vocabulary: ByteStringTable) {
        byteToken = (0..<256).map { vocabulary.find(String(ByteLevel.scalarForByte[$0])) ?? -1 }
        var table = TokenPairTable(capacity: lines.count)
        var unusable = 0
        var joined: [UInt8] = []
        for (rank, line) in lines.enumerated() {
            var line = line
            line.makeContiguousUTF8()
            let ok: Bool = line.utf8.withContiguousStorageIfAvailable { u -> Bool in
                guard u.count > 2, let sp = u[1...].firstIndex(of: UInt8(ascii: " ")) else { return false }
                let left = UnsafeBufferPointer(rebasing: u[0..<sp])
                let right = UnsafeBufferPointer(rebasing: u[(sp + 1)...])
                joined.removeAll(keepingCapacity: true)
                joined.append(contentsOf: left)
                joined.append(contentsOf: right)
                guard let l = vocabulary.find(left), let r = vocabulary.find(right),
                      let m = joined.withUnsafeBufferPointer({ vocabulary.find($0) }) else { return false }
                table.insertIfAbsent(TokenPairTable.key(l, r), UInt64(rank) << 32 | UInt64(UInt32(bitPattern: m)))
                return true
            } ?? false
            if !ok { unusable += 1 }
        }
        merges = table
        unusableMerges = unusable
    }

    /// Reusable buffers of one encoding call.
    struct Scratch {
        var ids: [Int32] = []
        var next: [Int32] = []
        var prev: [Int32] = []
        var heap: [Candidate] = []
    }

    /// A mergeable adjacent pair, recorded with the ids both symbols had when it was found.
    struct Candidate {
        var rank: Int32
        var left: Int32
        var right: Int32
        var leftID: Int32
        var rightID: Int32

        @inline(__always) func precedes(_ o: Candidate) -> Bool {
            rank < o.rank || (rank == o.rank && left < o.left)
        }
    }

    /// Appends the token ids of one word (its raw UTF-8 bytes) to `out`.
    func encodeWord(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int32], scratch: inout Scratch) {
        let n = word.count
        if n == 0 { return }
        if n == 1 {
            let t = byteToken[Int(word[0])]
            if t >= 0 { out.append(t) }
            return
        }
        scratch.ids.removeAll(keepingCapacity: true)
        scratch.next.removeAll(keepingCapacity: true)
        scratch.prev.removeAll(keepingCapacity: true)
        scratch.heap.removeAll(keepingCapacity: true)
        for i in 0..<n {
            scratch.ids.append(byteToken[Int(word[i])])
            scratch.prev.append(Int32(i - 1))
            scratch.next.append(i + 1 < n ? Int32(i + 1) : -1)
        }
        for i in 0..<(n - 1) { consider(Int32(i), Int32(i + 1), &scratch) }

        while let c = pop(&scratch.heap) {
            let l = Int(c.left), r = Int(c.right)
            // Skip candidates made stale by an earlier merge of either symbol.
            guard scratch.ids[l] == c.leftID, scratch.ids[r] == c.rightID, scratch.next[l] == c.right else { continue }
            scratch.ids[l] = Int32(truncatingIfNeeded: merges.find(TokenPairTable.key(c.leftID, c.rightID))!)
            scratch.ids[r] = -2  // dead; never equals a recorded id
            let after = scratch.next[r]
            scratch.next[l] = after
            if after >= 0 { scratch.prev[Int(after)] = c.left }
            consider(scratch.prev[l], c.left, &scratch)
            consider(c.left, after, &scratch)
        }

        var i: Int32 = 0
        while i >= 0 {
            let t = scratch.ids[Int(i)]
            if t >= 0 { out.append(t) }
            i = scratch.next[Int(i)]
        }
    }

    /// Pushes the pair (`left`, `right`) if both exist and have a merge.
    @inline(__always)
    private func consider(_ left: Int32, _ right: Int32, _ scratch: inout Scratch) {
        guard left >= 0, right >= 0 else { return }
        let a = scratch.ids[Int(left)], b = scratch.ids[Int(right)]
        guard a >= 0, b >= 0 else { return }
        guard let v = merges.find(TokenPairTable.key(a, b)) else { return }
        push(Candidate(rank: Int32(truncatingIfNeeded: v >> 32), left: left, right: right, leftID: a, rightID: b),
             &scratch.heap)
    }

    // MARK: - Binary min-heap ordered by (rank, left)

    @inline(__always)
    private func push(_ c: Candidate, _ heap: inout [Candidate]) {
        heap.append(c)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard heap[i].precedes(heap[p]) else { break }
            heap.swapAt(i, p)
            i = p
        }
    }

    @inline(__always)
    private func pop(_ heap: inout [Candidate]) -> Candidate? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var i = 0
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && heap[l].precedes(heap[m]) { m = l }
            if r < n && heap[r].precedes(heap[m]) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
        return top
    }
}
