import Foundation

/// Candidate tokens with their (processed) logits, as the truncation filters pass them along.
public struct TokenCandidates: Sendable, Equatable {
    public var ids: [Int32]
    public var logits: [Float]

    public init(ids: [Int32], logits: [Float]) {
        precondition(ids.count == logits.count, "ids and logits differ in length")
        self.ids = ids
        self.logits = logits
    }

    public var count: Int { ids.count }
}

/// The individual steps of the sampler chain, as pure functions (each tested on its own).
///
/// Conventions shared by all of them:
/// - "Better" means a larger logit, ties broken by the lower id, so every result is deterministic.
/// - Logits that are NaN or -∞ are never candidates.
/// - Probabilities inside a filter are softmax(logits) at temperature 1 over the current candidates,
///   as in llama.cpp (its temperature step runs last).
public enum LogitFilters {
    @inline(__always) static func better(_ la: Float, _ ia: Int32, _ lb: Float, _ ib: Int32) -> Bool {
        la > lb || (la == lb && ia < ib)
    }

    @inline(__always) static func viable(_ l: Float) -> Bool { l > -Float.infinity }  // false for NaN too

    /// Repetition penalty (CTRL, Keskar et al. 2019, eq. in section 4.1; llama.cpp's sign rule): for
    /// each distinct id among the last `lastN` tokens of `history` (-1 = all, 0 = none), a logit > 0
    /// is divided by `penalty`, a logit ≤ 0 multiplied by it. Ids outside `logits` are ignored.
    public static func applyRepetitionPenalty<H: Collection>(
        _ logits: UnsafeMutableBufferPointer<Float>, history: H, lastN: Int, penalty: Float
    ) where H.Element == Int32 {
        guard penalty != 1, lastN != 0, !history.isEmpty else { return }
        let window = lastN < 0 ? history.count : min(lastN, history.count)
        var seen = Set<Int32>(minimumCapacity: window)
        for t in history.suffix(window) where t >= 0 && Int(t) < logits.count && seen.insert(t).inserted {
            let l = logits[Int(t)]
            logits[Int(t)] = l > 0 ? l / penalty : l * penalty
        }
    }

    /// Index of the largest logit, ties to the lowest id; nil when no logit is viable.
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32? {
        var best = -1
        var bestLogit = -Float.infinity
        for i in 0..<logits.count where logits[i] > bestLogit {
            bestLogit = logits[i]
            best = i
        }
        return best >= 0 ? Int32(best) : nil
    }

    /// All viable ids of a full logit vector, in id order.
    public static func allCandidates(_ logits: UnsafeBufferPointer<Float>) -> TokenCandidates {
        var c = TokenCandidates(ids: [], logits: [])
        c.ids.reserveCapacity(logits.count)
        c.logits.reserveCapacity(logits.count)
        for i in 0..<logits.count where viable(logits[i]) {
            c.ids.append(Int32(i))
            c.logits.append(logits[i])
        }
        return c
    }

    /// The `k` best ids, best first (Fan et al. 2018, "Hierarchical Neural Story Generation").
    /// O(n log k) with a bounded heap; fewer than `k` when fewer are viable.
    public static func topK(_ logits: UnsafeBufferPointer<Float>, k: Int) -> TokenCandidates {
        precondition(k > 0)
        // Min-heap on "better": the root is the worst of the kept ones.
        var heapL: [Float] = [], heapI: [Int32] = []
        heapL.reserveCapacity(k)
        heapI.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heapL.count, better(heapL[m], heapI[m], heapL[l], heapI[l]) { m = l }
                if r < heapL.count, better(heapL[m], heapI[m], heapL[r], heapI[r]) { m = r }
                if m == i { return }
                heapL.swapAt(i, m); heapI.swapAt(i, m)
                i = m
            }
        }
        for i in 0..<logits.count where viable(logits[i]) {
            let l = logits[i], id = Int32(i)
            if heapL.count < k {
                heapL.append(l); heapI.append(id)
                var c = heapL.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    guard better(heapL[p], heapI[p], heapL[c], heapI[c]) else { break }
                    heapL.swapAt(c, p); heapI.swapAt(c, p)
                    c = p
                }
            } else if better(l, id, heapL[0], heapI[0]) {
                heapL[0] = l; heapI[0] = id
                siftDown(0)
            }
        }
        return sortedBestFirst(TokenCandidates(ids: heapI, logits: heapL))
    }

    /// `candidates` reordered best first.
    public static func sortedBestFirst(_ candidates: TokenCandidates) -> TokenCandidates {
        let order = candidates.ids.indices.sorted {
            better(candidates.logits[$0], candidates.ids[$0], candidates.logits[$1], candidates.ids[$1])
        }
        return TokenCandidates(ids: order.map { candidates.ids[$0] }, logits: order.map { candidates.logits[$0] })
    }

    /// Nucleus filter (Holtzman et al. 2019): the shortest best-first prefix whose probability
    /// (softmax over `candidates`) reaches `p`; at least one token. `candidates` must be best first.
    public static func topP(sorted candidates: TokenCandidates, p: Float) -> TokenCandidates {
        guard p < 1, candidates.count > 1 else { return candidates }
        let maxL = candidates.logits[0]
        var z = 0.0
        for l in candidates.logits { z += Double(expf(l - maxL)) }
        return nucleusPrefix(candidates, p: p, maxLogit: maxL, normalizer: z)
    }

    /// The shortest prefix of best-first `sorted` whose probability exp(l − maxLogit) / normalizer
    /// sums to at least `p` (all of `sorted` when it never does).
    static func nucleusPrefix(_ sorted: TokenCandidates, p: Float, maxLogit: Float, normalizer: Double) -> TokenCandidates {
        var cumulative = 0.0
        var keep = sorted.count
        for i in 0..<sorted.count {
            cumulative += Double(expf(sorted.logits[i] - maxLogit)) / normalizer
            if cumulative >= Double(p) { keep = i + 1; break }
        }
        return TokenCandidates(ids: Array(sorted.ids[..<keep]), logits: Array(sorted.logits[..<keep]))
    }

    /// Nucleus filter over a whole logit vector, best first, without sorting the vocabulary: only
    /// ids above a probability threshold are sorted, and the threshold is lowered until their mass
    /// reaches `p` (then the nucleus lies inside them). Same result as `topP(sorted:)` on all ids.
    public static func topP(_ logits: UnsafeBufferPointer<Float>, p: Float) -> TokenCandidates {
        guard let best = argmax(logits) else { return TokenCandidates(ids: [], logits: []) }
        let maxL = logits[Int(best)]
        var z = 0.0
        for l in logits where viable(l) { z += Double(expf(l - maxL)) }
        for relative in [1e-3, 1e-6, 1e-9, 0] {
            let cutoff = relative > 0 ? Double(maxL) + log(relative) : -Double.infinity
            var kept = TokenCandidates(ids: [], logits: [])
            var mass = 0.0
            for i in 0..<logits.count where viable(logits[i]) && Double(logits[i]) >= cutoff {
                kept.ids.append(Int32(i))
                kept.logits.append(logits[i])
                mass += Double(expf(logits[i] - maxL)) / z
            }
            if mass >= Double(p) || relative == 0 {
                // Probabilities stay relative to the whole vocabulary (normaliser z), not to `kept`.
                return nucleusPrefix(sortedBestFirst(kept), p: p, maxLogit: maxL, normalizer: z)
            }
        }
        return TokenCandidates(ids: [best], logits: [maxL])
    }

    /// Min-p filter (Nguyen et al. 2024, "Turning Up the Heat: Min-p Sampling"): keeps candidates with
    /// p ≥ `minP` · p_max, i.e. logit ≥ max logit + ln(minP). Order is preserved.
    public static func minP(_ candidates: TokenCandidates, minP: Float) -> TokenCandidates {
        guard minP > 0, let maxL = candidates.logits.max() else { return candidates }
        let cutoff = Double(maxL) + log(Double(minP))
        var out = TokenCandidates(ids: [], logits: [])
        for i in 0..<candidates.count where Double(candidates.logits[i]) >= cutoff {
            out.ids.append(candidates.ids[i])
            out.logits.append(candidates.logits[i])
        }
        return out
    }

    /// Min-p over a whole logit vector: the ids (ascending) with logit ≥ max logit + ln(`minP`).
    public static func minP(_ logits: UnsafeBufferPointer<Float>, minP: Float) -> TokenCandidates {
        guard let best = argmax(logits) else { return TokenCandidates(ids: [], logits: []) }
        let cutoff = Double(logits[Int(best)]) + log(Double(minP))
        var out = TokenCandidates(ids: [], logits: [])
        for i in 0..<logits.count where Double(logits[i]) >= cutoff {
            out.ids.append(Int32(i))
            out.logits.append(logits[i])
        }
        return out
    }

    /// softmax(logit / temperature) over `candidates`, as a sparse distribution (ids ascending).
    /// `temperature` must be > 0.
    public static func softmax(_ candidates: TokenCandidates, temperature: Float, vocabularySize: Int) -> TokenDistribution {
        let order = candidates.ids.indices.sorted { candidates.ids[$0] < candidates.ids[$1] }
        let ids = order.map { candidates.ids[$0] }
        let logits = order.map { candidates.logits[$0] }
        return TokenDistribution(vocabularySize: vocabularySize, ids: ids,
                                 probabilities: normalizedExp(logits, temperature: temperature))
    }

    /// softmax(logit / temperature) over a whole logit vector, dense (non-viable ids get 0).
    public static func softmax(_ logits: UnsafeBufferPointer<Float>, temperature: Float) -> TokenDistribution {
        TokenDistribution(dense: normalizedExp(logits, temperature: temperature))
    }

    static func normalizedExp(_ logits: [Float], temperature: Float) -> [Float] {
        logits.withUnsafeBufferPointer { normalizedExp($0, temperature: temperature) }
    }

    /// exp((l − max) / T) normalised to sum 1 (sum accumulated in Double); non-viable logits give 0.
    static func normalizedExp(_ logits: UnsafeBufferPointer<Float>, temperature: Float) -> [Float] {
        guard let best = argmax(logits) else { return [Float](repeating: 0, count: logits.count) }
        let maxL = logits[Int(best)]
        let invT = 1 / temperature
        var sum = 0.0
        var out = [Float](unsafeUninitializedCapacity: logits.count) { buf, n in
            for i in 0..<logits.count {
                let l = logits[i]
                let e: Float = viable(l) ? expf((l - maxL) * invT) : 0
                buf[i] = e
                sum += Double(e)
            }
            n = logits.count
        }
        let scale = Float(1 / sum)
        for i in 0..<out.count { out[i] *= scale }
        return out
    }
}
