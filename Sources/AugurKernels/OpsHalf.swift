/// Conversions between IEEE 754 binary16 (`Float16`, the KV cache's storage type) and `Float`.
///
/// The fast forms are element-wise loops that the compiler turns into F16C `vcvtph2ps` /
/// `vcvtps2ph` (round to nearest, ties to even) under `-target-cpu haswell`. The `…Reference`
/// twins decode and round the bit patterns by hand (IEEE 754-2008 §3.4, §4.3.1) and must agree
/// with them bit for bit.
public enum Half {
    /// `dst[i] = Float(src[i])` for `i < count` (exact).
    @inline(__always)
    public static func widen(_ src: UnsafePointer<Float16>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] = Float(src[i]) }
    }

    /// `dst[i] = Float16(src[i])` for `i < count`, rounding to nearest even; values beyond the
    /// binary16 range become ±infinity.
    @inline(__always)
    public static func narrow(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float16>, count: Int) {
        for i in 0..<count { dst[i] = Float16(src[i]) }
    }

    /// Scalar twin of ``widen(_:into:count:)``: decodes sign, exponent and mantissa bits.
    public static func widenReference(_ src: UnsafePointer<Float16>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] = Float(bitPattern: halfBitsToFloatBits(src[i].bitPattern)) }
    }

    /// Scalar twin of ``narrow(_:into:count:)``: rounds the `Float` bit pattern by hand.
    public static func narrowReference(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float16>, count: Int) {
        for i in 0..<count { dst[i] = Float16(bitPattern: floatBitsToHalfBits(src[i].bitPattern)) }
    }

    /// binary16 bits → binary32 bits (exact, subnormals normalised, NaN payload kept).
    static func halfBitsToFloatBits(_ h: UInt16) -> UInt32 {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int(h >> 10) & 0x1F
        var mant = UInt32(h & 0x3FF)
        if exp == 0x1F { return sign | 0x7F80_0000 | (mant << 13) }  // inf / NaN
        if exp == 0 {
            if mant == 0 { return sign }
            // Subnormal: value mant · 2^-24; normalise.
            var e = -14
            while mant & 0x400 == 0 { mant <<= 1; e -= 1 }
            mant &= 0x3FF
            return sign | UInt32(e + 127) << 23 | (mant << 13)
        }
        return sign | UInt32(exp - 15 + 127) << 23 | (mant << 13)
    }

    /// binary32 bits → binary16 bits, round to nearest, ties to even.
    static func floatBitsToHalfBits(_ f: UInt32) -> UInt16 {
        let sign = UInt16((f >> 16) & 0x8000)
        let exp = Int((f >> 23) & 0xFF)
        let mant = f & 0x7F_FFFF
        if exp == 0xFF {  // inf / NaN (keep a quiet NaN)
            return sign | 0x7C00 | (mant != 0 ? 0x200 | UInt16(mant >> 13) : 0)
        }
        let e = exp - 127 + 15  // biased half exponent
        if e >= 0x1F { return sign | 0x7C00 }
        // Significand with the implicit bit (24 bits), shifted so that the half's last kept bit
        // is bit 0; `shift` drops 13 bits for normals and more for subnormals.
        let full = exp == 0 ? mant : (mant | 0x80_0000)
        let shift = e >= 1 ? 13 : 13 + (1 - e)
        if shift > 24 { return sign }  // below half of the smallest subnormal
        let kept = full >> UInt32(shift)
        let rest = full & ((1 << UInt32(shift)) - 1)
        let half = UInt32(1) << UInt32(shift - 1)
        var r = kept
        if rest > half || (rest == half && (kept & 1) == 1) { r += 1 }
        if e >= 1 {
            // Normal: r holds 1.mant (11 bits); a carry into bit 11 bumps the exponent.
            return sign | UInt16(truncatingIfNeeded: (UInt32(e) << 10) + (r - 0x400))
        }
        return sign | UInt16(truncatingIfNeeded: r)  // subnormal (may round up to the smallest normal)
    }
}
