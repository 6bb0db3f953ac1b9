import Foundation
import XCTest

/// Reference logits of one model from llama.cpp, written by `scripts/make-logit-fixtures.py`
/// (see that script for the exact contents).
struct LogitFixture: Decodable {
    struct Case: Decodable {
        let prompt: String
        /// Prompt token ids (llama.cpp's tokenizer).
        let tokens: [Int32]
        /// The reference greedy continuation, decoded one token at a time.
        let continuation: [Int32]
        /// Top-1 minus top-2 reference logit at each continuation step.
        let gaps: [Float]
        let topIds: String
        let topLogits: String
        let sampledLogits: String

        /// Prompt plus all but the last continuation token: the sequence whose logits are stored.
        var sequence: [Int32] { tokens + continuation.dropLast() }
        /// `sequence.count × topK` ids of the largest reference logits at each position.
        var topIdValues: [Int32] { decode(topIds, as: Int32.self) }
        /// The reference logits of those ids.
        var topLogitValues: [Float] { decode(topLogits, as: Float.self) }
        /// Reference logits of ids `0, stride, 2·stride, …` at the last prompt position.
        var sampledLogitValues: [Float] { decode(sampledLogits, as: Float16.self).map(Float.init) }
    }

    let model: String
    let vocabSize: Int
    let topK: Int
    let sampleStride: Int
    let reference: String
    let cases: [Case]

    /// The fixture of model `name` (a `TestModels` name).
    static func load(_ name: String) throws -> LogitFixture {
        guard let url = Bundle.module.url(forResource: "logits-\(name)", withExtension: "json", subdirectory: "Fixtures") else {
            throw XCTSkip("no logit fixture for \(name)")
        }
        return try JSONDecoder().decode(LogitFixture.self, from: Data(contentsOf: url))
    }
}

/// Little-endian values packed in base64.
private func decode<T>(_ base64: String, as: T.Type) -> [T] {
    let data = Data(base64Encoded: base64)!
    return data.withUnsafeBytes { raw in
        (0..<(raw.count / MemoryLayout<T>.size)).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
    }
}

/// Index of the largest value (the first on ties).
func argmax<C: Collection>(_ xs: C) -> Int where C.Element == Float, C.Index == Int {
    var best = xs.startIndex
    for i in xs.indices where xs[i] > xs[best] { best = i }
    return best - xs.startIndex
}
