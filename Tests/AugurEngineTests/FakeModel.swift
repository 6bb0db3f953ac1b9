import AugurModels

/// A deterministic `LanguageModel` whose logits at a position are a pure function of every token up to
/// and including it, so any mistake in what the KV cache holds changes the output.
///
/// The model remembers the ids it was fed per cache (the real KV cache stores only counts for it);
/// after a `truncate(to:)` it trusts `cache.count`. Logits: a hash-derived value in [0, 1) per id,
/// +2 for the common pieces (ids < `FakeCodec.commonCount`), and the end-of-generation ids pushed to
/// -100 unless the sequence is at least `eosAfter` long, where `<eos>` gets +100.
final class FakeModel: LanguageModel {
    let config: ModelConfig
    let eosAfter: Int?
    /// Batch sizes and logit-row requests of every `forward` call, in order.
    private(set) var calls: [(count: Int, rows: LogitRows)] = []
    private var sequences: [ObjectIdentifier: [Int32]] = [:]

    init(eosAfter: Int? = nil) {
        self.eosAfter = eosAfter
        config = ModelConfig(architecture: "fake", vocabSize: FakeCodec.vocabSize, embeddingLength: 8, layerCount: 1,
                             headCount: 1, kvHeadCount: 1, headDim: 8, feedForwardLength: 8, ropeBase: 10000,
                             ropeLayout: .halfSplit, rmsNormEps: 1e-6, contextLength: 256, attentionBias: false,
                             tiedEmbeddings: true)
    }

    func makeCache(capacity: Int) -> KVCache { KVCache(capacity: capacity) }

    func resetCalls() { calls = [] }

    func forward(_ tokens: [Int32], cache: KVCache, rows: LogitRows) throws -> Logits {
        guard !tokens.isEmpty else { throw ModelError.emptyBatch }
        guard cache.count + tokens.count <= cache.capacity else {
            throw ModelError.contextFull(capacity: cache.capacity, used: cache.count, requested: tokens.count)
        }
        for t in tokens where t < 0 || Int(t) >= config.vocabSize {
            throw ModelError.tokenOutOfRange(token: t, vocabSize: config.vocabSize)
        }
        calls.append((tokens.count, rows))
        let key = ObjectIdentifier(cache)
        var seq = Array((sequences[key] ?? []).prefix(cache.count))
        precondition(seq.count == cache.count, "fake model did not see what the cache holds")
        let start = seq.count
        seq += tokens
        sequences[key] = seq
        try cache.advance(by: tokens.count)
        let wanted: [Int]
        switch rows {
        case .all: wanted = Array(start..<seq.count)
        case .last: wanted = [seq.count - 1]
        case .none: wanted = []
        }
        let values = wanted.flatMap { FakeModel.logits(prefix: seq[0...$0], eosAfter: eosAfter) }
        return Logits(rowCount: wanted.count, vocabSize: config.vocabSize, values: values)
    }

    /// Logits after `prefix` (the reference the engine's output is checked against).
    static func logits(prefix: ArraySlice<Int32>, eosAfter: Int?) -> [Float] {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for t in prefix { h = (h ^ UInt64(UInt32(bitPattern: t))) &* 0x100_0000_01b3 }
        return (0..<FakeCodec.vocabSize).map { v in
            var x = (h ^ UInt64(v)) &* 0x9e37_79b9_7f4a_7c15
            x ^= x >> 29; x = x &* 0xbf58_476d_1ce4_e5b9; x ^= x >> 32
            var l = Float(x >> 40) / Float(1 << 24)
            if v < FakeCodec.commonCount { l += 2 }
            if Int32(v) == FakeCodec.eos || Int32(v) == FakeCodec.imEnd || v == 1 { l = -100 }
            if Int32(v) == FakeCodec.eos, let n = eosAfter, prefix.count >= n { l = 100 }
            return l
        }
    }

    /// The greedy continuation of `prompt`: argmax after argmax, `count` tokens (stopping after an EOS).
    static func greedyChain(_ prompt: [Int32], count: Int, eosAfter: Int? = nil) -> [Int32] {
        var seq = prompt, out: [Int32] = []
        for _ in 0..<count {
            let l = logits(prefix: seq[...], eosAfter: eosAfter)
            let t = Int32(l.indices.max { l[$0] < l[$1] }!)
            out.append(t)
            if t == FakeCodec.eos { break }
            seq.append(t)
        }
        return out
    }
}
