/// The character classes the pre-tokenizer regexes distinguish: `\p{L}`, `\p{N}`, `\s`, and the rest.
///
/// They follow llama.cpp's `unicode_cpt_flags` (src/unicode.cpp, tables generated from Unicode 15.1),
/// not the newest Unicode: a scalar first assigned in Unicode 16.0 or later counts as `.other`
/// (llama.cpp sees it as unassigned), whatever Swift's own tables say. Measured over all 1,114,112
/// code points, this rule plus Swift's `generalCategory` reproduces llama.cpp's letter/number split
/// exactly. `\s` is the Unicode White_Space set (25 scalars), as in llama.cpp's `unicode_set_whitespace`.
enum CharClass: UInt8 {
    case letter
    case number
    case whitespace
    case other
    /// Past the end of the current segment (llama.cpp's `OUT_OF_RANGE`): matches no class.
    case outside

    private static let ascii: [CharClass] = (0..<128).map { v in
        switch UInt8(v) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case 0x09...0x0D, 0x20: return .whitespace
        default: return .other
        }
    }

    /// The class of scalar value `v` (a valid scalar value, as decoded from a Swift string).
    @inline(__always)
    static func of(_ v: UInt32) -> CharClass {
        v < 128 ? ascii[Int(v)] : nonASCII(v)
    }

    static func nonASCII(_ v: UInt32) -> CharClass {
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return .whitespace
        default: break
        }
        guard let s = Unicode.Scalar(v) else { return .other }
        let p = s.properties
        let cls: CharClass
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: cls = .letter
        case .decimalNumber, .letterNumber, .otherNumber: cls = .number
        default: return .other
        }
        // Unicode 16+ letters and digits are unassigned in llama.cpp's 15.1 tables.
        if let age = p.age, age.major >= 16 { return .other }
        return cls
    }
}

/// A piece of UTF-8 text decoded to scalars, with each scalar's class and byte offset, so that the
/// pre-tokenizer can scan scalars and hand byte ranges to BPE. Buffers are reused between calls.
struct ScalarText {
    /// Scalar values, one per character position.
    var scalars: [UInt32] = []
    /// `classes[i]` is the class of `scalars[i]`.
    var classes: [CharClass] = []
    /// `byteOffsets[i]` is where scalar `i` starts in the UTF-8 bytes; `byteOffsets[count]` is the end.
    var byteOffsets: [Int] = []

    var count: Int { scalars.count }

    /// Decodes `bytes`, which must be valid UTF-8 (they come from a Swift `String`, cut only at
    /// special-token boundaries, which are themselves whole UTF-8 strings).
    mutating func load(_ bytes: UnsafeBufferPointer<UInt8>, base: Int) {
        scalars.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        byteOffsets.removeAll(keepingCapacity: true)
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = UInt32(bytes[i])
            var v: UInt32
            var len: Int
            if b0 < 0x80 {
                v = b0; len = 1
            } else if b0 < 0xE0 {
                v = b0 & 0x1F; len = 2
            } else if b0 < 0xF0 {
                v = b0 & 0x0F; len = 3
            } else {
                v = b0 & 0x07; len = 4
            }
            if i + len > n { len = n - i }  // cannot happen for valid UTF-8; stay in bounds anyway
            var k = 1
            while k < len {
                v = (v << 6) | (UInt32(bytes[i + k]) & 0x3F)
                k += 1
            }
            scalars.append(v)
            classes.append(CharClass.of(v))
            byteOffsets.append(base + i)
            i += len
        }
        byteOffsets.append(base + n)
    }
}
