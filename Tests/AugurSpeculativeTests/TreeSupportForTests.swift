import AugurSampling
import Foundation
@testable import AugurSpeculative

/// Toy target and draft "models" for the tree verifier tests: processed distributions that are pure
/// functions of the whole history (so of position and prefix), over a vocabulary of 4 to 6 tokens, each
/// with a prefix-dependent impossible token (q has support where p has none, and the reverse).
struct TreeToyModels {
    let vocab: Int
    /// Scales the target's logits: larger = peakier target.
    var sharpness: Double = 2
    /// Return the sparse layout (positive ids only, as after top-k / top-p) instead of the dense one.
    var sparse = false

    init(vocab: Int, sharpness: Double = 2, sparse: Bool = false) {
        self.vocab = vocab
        self.sharpness = sharpness
        self.sparse = sparse
    }

    private func layout(_ d: TokenDistribution) -> TokenDistribution {
        guard sparse else { return d }
        let kept = (0..<d.count).filter { d.probabilities[$0] > 0 }
        return TokenDistribution(vocabularySize: vocab, ids: kept.map { Int32($0) }, probabilities: kept.map { d.probabilities[$0] })
    }

    private static func softmax(_ logits: [Double], zero: Int) -> TokenDistribution {
        let m = logits.max()!
        var e = logits.map { exp($0 - m) }
        e[zero] = 0
        let s = e.reduce(0, +)
        return TokenDistribution(dense: e.map { Float($0 / s) })
    }

    private static func hash(_ h: [Int32]) -> Int {
        var x = 7
        for t in h { x = (x &* 31 &+ Int(t) &+ 5) % 10_007 }
        return x
    }

    /// p(· | history).
    func target(_ h: [Int32]) -> TokenDistribution {
        let last = Double(h.last ?? 0), len = Double(h.count), hh = Self.hash(h)
        let logits = (0..<vocab).map { (j: Int) -> Double in
            let wave: Double = sin(1.7 * Double(j) + 0.9 * last + 0.31 * len)
            let bit: Double = Double((hh >> j) & 1)
            return sharpness * wave + 0.6 * bit
        }
        return layout(Self.softmax(logits, zero: (Int(last) * 2 + 1 + hh % 2) % vocab))
    }

    /// q(· | history): different from p, with its own impossible token.
    func draft(_ h: [Int32]) -> TokenDistribution {
        let last = Double(h.last ?? 0), len = Double(h.count), hh = Self.hash(h)
        let logits = (0..<vocab).map { (j: Int) -> Double in
            let wave: Double = cos(1.1 * Double(j) - 0.5 * last + 0.2 * len)
            let bit: Double = Double((hh >> (j + 2)) & 1)
            return 1.5 * wave + 0.4 * bit
        }
        return layout(Self.softmax(logits, zero: (Int(last) + 3) % vocab))
    }

    /// The draft oracle after `context`: prefixes are tree paths.
    func oracle(context: [Int32]) -> DraftOracle {
        { prefixes in prefixes.map { draft(context + $0) } }
    }

    /// The target's distributions for every position of `tree` after `context` (root + one per node).
    func targets(for tree: DraftTree, context: [Int32]) -> [TokenDistribution] {
        [target(context)] + tree.nodes.indices.map { target(context + tree.tokens(to: $0)) }
    }

    /// Exact joint probability of the next `length` target tokens after `context`.
    func exactJoint(context: [Int32], length: Int) -> [[Int32]: Double] {
        var out: [[Int32]: Double] = [:]
        func walk(_ seq: [Int32], _ prob: Double) {
            if seq.count == length { out[seq] = prob; return }
            let p = target(context + seq)
            for t in 0..<vocab where p.probability(of: Int32(t)) > 0 {
                walk(seq + [Int32(t)], prob * Double(p.probability(of: Int32(t))))
            }
        }
        walk([], 1)
        return out
    }

    /// Distribution of the first `length` tokens when `emitted` (with its probability) is followed by
    /// exact target sampling: what losslessness says must equal `exactJoint(context:length:)`.
    func extend(_ outcomes: [[Int32]: Double], context: [Int32], length: Int) -> [[Int32]: Double] {
        var out: [[Int32]: Double] = [:]
        for (seq, w) in outcomes {
            if seq.count >= length { out[Array(seq.prefix(length)), default: 0] += w; continue }
            for (tail, pt) in exactJoint(context: context + seq, length: length - seq.count) {
                out[seq + tail, default: 0] += w * pt
            }
        }
        return out
    }
}

/// Randomness that follows a script of choices and records the rest, so that `enumerateOutcomes` can
/// visit every sequence of random decisions exactly once, with its exact probability.
struct ScriptedRandomness: VerificationRandomness {
    let script: [Int]
    private(set) var taken: [Int] = []
    private(set) var optionCounts: [Int] = []
    private(set) var probability = 1.0

    init(script: [Int]) { self.script = script }

    private mutating func choose(_ options: [(value: Int, probability: Double)]) -> Int {
        let k = taken.count
        let pick = k < script.count ? script[k] : 0
        taken.append(pick)
        optionCounts.append(options.count)
        probability *= options[pick].probability
        return options[pick].value
    }

    mutating func bernoulli(_ p: Double) -> Bool {
        if p >= 1 { return choose([(1, 1)]) == 1 }
        if p <= 0 { return choose([(0, 1)]) == 1 }
        return choose([(1, p), (0, 1 - p)]) == 1
    }

    mutating func categorical(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        return choose(weights.indices.filter { weights[$0] > 0 }.map { ($0, weights[$0] / total) })
    }
}

/// Every outcome of `body` with its exact probability: depth-first over all choice sequences.
func enumerateOutcomes<T: Hashable>(_ body: (inout ScriptedRandomness) throws -> T) rethrows -> [T: Double] {
    var result: [T: Double] = [:]
    var stack: [[Int]] = [[]]
    while let script = stack.popLast() {
        var r = ScriptedRandomness(script: script)
        let out = try body(&r)
        result[out, default: 0] += r.probability
        for k in script.count..<r.taken.count where r.optionCounts[k] > 1 {
            for alt in 1..<r.optionCounts[k] { stack.append(Array(r.taken[0..<k]) + [alt]) }
        }
    }
    return result
}

/// Largest absolute difference between two distributions over the same keys (missing = 0).
func maxDifference<K: Hashable>(_ a: [K: Double], _ b: [K: Double]) -> Double {
    Set(a.keys).union(b.keys).map { abs(a[$0, default: 0] - b[$0, default: 0]) }.max() ?? 0
}

/// A random tree shape (parents, topological) with depth ≤ `maxDepth`, branching ≤ `maxBranching`,
/// at most `maxNodes` nodes and at least one child of the root.
func randomShape<R: RandomNumberGenerator>(maxDepth: Int, maxBranching: Int, maxNodes: Int, using rng: inout R) -> [Int] {
    var shape: [Int] = []
    var level = [-1]
    for _ in 0..<maxDepth {
        var next: [Int] = []
        for parent in level {
            let n = Int.random(in: (parent < 0 ? 1 : 0)...maxBranching, using: &rng)
            for _ in 0..<n where shape.count < maxNodes { next.append(shape.count); shape.append(parent) }
        }
        level = next
    }
    return shape
}
