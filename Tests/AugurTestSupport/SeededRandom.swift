import AugurSampling

/// Deterministic pseudo-random numbers for test inputs: AugurSampling's SplitMix64 plus helpers for
/// uniform floats. Same seed, same sequence, on every machine.
public struct SeededRandom: RandomNumberGenerator {
    private var base: SplitMix64

    public init(seed: UInt64) { base = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { base.next() }

    /// Uniform in [lo, hi), from the top 24 bits.
    public mutating func float(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }

    /// `n` floats uniform in [lo, hi).
    public mutating func floats(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<n).map { _ in float(lo, hi) }
    }
}
