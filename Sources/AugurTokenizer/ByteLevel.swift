/// The byte-level alphabet of GPT-2 style BPE vocabularies.
///
/// Byte-level BPE (Radford et al. 2019, "Language Models are Unsupervised Multitask Learners",
/// section 2.2; OpenAI's `bytes_to_unicode` in gpt-2/src/encoder.py) writes every byte 0...255 as
/// one printable Unicode scalar so that vocabulary entries are plain strings: the 188 printable
/// bytes `!`...`~`, `¡`...`¬` and `®`...`ÿ` stand for themselves, the other 68 bytes (controls,
/// space, DEL, NBSP, soft hyphen) map in order to U+0100, U+0101, ... So a space is `Ġ` (U+0120)
/// and a newline `Ċ` (U+010A).
enum ByteLevel {
    /// `scalarForByte[b]`: the scalar that stands for byte `b`.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if isPrintable(UInt8(b)) {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// `byteForScalar[s]` for scalars below 0x144 (the largest mapped scalar is U+0143); -1 when `s`
    /// stands for no byte.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, s) in scalarForByte.enumerated() { table[Int(s.value)] = Int16(b) }
        return table
    }()

    static func isPrintable(_ b: UInt8) -> Bool {
        (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
    }

    /// The vocabulary spelling of raw bytes, e.g. `[0x20, 0x61]` → `"Ġa"`.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarForByte[Int(b)]) }
        return String(s)
    }

    /// The raw bytes a vocabulary string spells. Scalars outside the byte alphabet (which a
    /// well-formed byte-level vocabulary never contains) are kept as their own UTF-8 bytes.
    static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        decode(text, into: &out)
        return out
    }

    /// Appends the raw bytes `text` spells to `out` (see `decode(_:)`).
    static func decode(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.makeContiguousUTF8()
        text.utf8.withContiguousStorageIfAvailable { u in
            var i = 0
            while i < u.count {
                let b0 = u[i]
                // Byte-alphabet scalars are below U+0144: one byte, or two with lead 0xC2...0xC5.
                if b0 < 0x80 {
                    let m = byteForScalar[Int(b0)]
                    if m >= 0 { out.append(UInt8(m)) } else { out.append(b0) }
                    i += 1
                } else if b0 >= 0xC2 && b0 <= 0xC5 && i + 1 < u.count {
                    let v = (Int(b0 & 0x1F) << 6) | Int(u[i + 1] & 0x3F)
                    if v < byteForScalar.count && byteForScalar[v] >= 0 {
                        out.append(UInt8(byteForScalar[v]))
                    } else {
                        out.append(b0)
                        out.append(u[i + 1])
                    }
                    i += 2
                } else {
                    out.append(b0)  // other scalars pass through byte by byte
                    i += 1
                }
            }
        }
    }
}
