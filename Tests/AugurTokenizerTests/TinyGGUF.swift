import AugurGGUF
import Foundation

/// Writes metadata-only GGUF v3 files (no tensors) so tokenizer tests can build small synthetic
/// vocabularies without a real model (GGUF spec: header, then key/value pairs).
enum TinyGGUF {
    enum Value {
        case string(String)
        case int32(Int32)
        case bool(Bool)
        case strings([String])
        case int32s([Int32])
    }

    /// Writes `metadata` to a temporary file and opens it.
    static func file(_ metadata: [(String, Value)]) throws -> GGUFFile {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); d.append(contentsOf: Array(s.utf8)) }
        u32(0x4655_4747)
        u32(3)
        u64(0)
        u64(UInt64(metadata.count))
        for (key, value) in metadata {
            str(key)
            switch value {
            case .string(let s): u32(8); str(s)
            case .int32(let v): u32(5); u32(UInt32(bitPattern: v))
            case .bool(let b): u32(7); d.append(b ? 1 : 0)
            case .strings(let a): u32(9); u32(8); u64(UInt64(a.count)); a.forEach(str)
            case .int32s(let a): u32(9); u32(5); u64(UInt64(a.count)); a.forEach { u32(UInt32(bitPattern: $0)) }
            }
        }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("augur-tiny-\(UUID().uuidString).gguf")
        try d.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try GGUFFile(path: url.path)
    }

    /// A byte-level BPE vocabulary: the 256 byte tokens, then `extra` tokens, then `special` control
    /// tokens; `merges` as "left right" lines in byte-level spelling.
    static func bpeVocabulary(extra: [String], merges: [String], special: [String] = [],
                              model: String = "gpt2", pre: String = "qwen2") throws -> GGUFFile {
        var tokens = (0..<256).map { b -> String in
            // GPT-2 byte alphabet, written out independently of the module's table.
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            return printable ? String(UnicodeScalar(UInt8(b))) : ""
        }
        var next = 256
        for b in 0..<256 where tokens[b].isEmpty {
            tokens[b] = String(Character(Unicode.Scalar(UInt32(next))!))
            next += 1
        }
        tokens += extra + special
        let types = [Int32](repeating: 1, count: 256 + extra.count) + [Int32](repeating: 3, count: special.count)
        return try file([
            ("tokenizer.ggml.model", .string(model)),
            ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .strings(tokens)),
            ("tokenizer.ggml.token_type", .int32s(types)),
            ("tokenizer.ggml.merges", .strings(merges)),
        ])
    }
}
