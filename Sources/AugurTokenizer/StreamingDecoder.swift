/// Turns generated token ids into text as they arrive, never emitting half a UTF-8 character.
///
/// A byte-level token can end inside a multi-byte character (an emoji is often 2-4 tokens). The
/// decoder keeps such a trailing incomplete sequence until the next token completes it, so each
/// returned string is whole characters. Invalid bytes that no continuation could repair are
/// emitted at once as U+FFFD. Joining every `append` result and `flush()` gives exactly
/// `tokenizer.decode(ids)`.
///
/// ```swift
/// var d = StreamingDecoder(tokenizer: tok)
/// for id in generated { print(d.append(id), terminator: "") }
/// print(d.flush())
/// ```
public struct StreamingDecoder {
    /// The tokenizer whose pieces are decoded (shared, immutable).
    public let tokenizer: Tokenizer
    /// Whether control tokens are written out as their text (see `Tokenizer.tokenBytes`).
    public let renderSpecial: Bool
    /// Bytes of an incomplete trailing UTF-8 sequence, held back (at most 3).
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer, renderSpecial: Bool = true) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Adds one token; returns the text that is now complete (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        append(contentsOf: [id])
    }

    /// Adds tokens in order; returns the text that is now complete (possibly empty).
    public mutating func append(contentsOf ids: [Int32]) -> String {
        var bytes = pending
        for id in ids { bytes.append(contentsOf: tokenizer.tokenBytes(id, renderSpecial: renderSpecial)) }
        let keep = Self.incompleteSuffixLength(bytes)
        pending = Array(bytes.suffix(keep))
        return String(decoding: bytes.dropLast(keep), as: UTF8.self)
    }

    /// Returns whatever is held back (as U+FFFD, since it is incomplete) and resets the decoder.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Whether bytes are held back waiting for the rest of a character.
    public var hasPendingBytes: Bool { !pending.isEmpty }

    /// The length (0...3) of the suffix of `bytes` that is a proper prefix of a valid UTF-8
    /// encoded scalar (RFC 3629, section 4), i.e. could still be completed by more bytes.
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Find the last lead (non-continuation) byte within the last 3 bytes.
        var k = 1
        while k <= min(3, n) {
            let b = bytes[n - k]
            if b & 0xC0 != 0x80 {
                let need: Int
                switch b {
                case 0xC2...0xDF: need = 2
                case 0xE0...0xEF: need = 3
                case 0xF0...0xF4: need = 4
                default: return 0  // ASCII or a byte that never starts a sequence
                }
                guard k < need else { return 0 }  // complete (or over-long) sequence
                // Check the continuation bytes present, including the tighter second-byte ranges.
                for j in 1..<k {
                    let c = bytes[n - k + j]
                    var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
                    if j == 1 {
                        switch b {
                        case 0xE0: lo = 0xA0
                        case 0xED: hi = 0x9F
                        case 0xF0: lo = 0x90
                        case 0xF4: hi = 0x8F
                        default: break
                        }
                    }
                    guard c >= lo && c <= hi else { return 0 }
                }
                return k
            }
            k += 1
        }
        return 0
    }
}
