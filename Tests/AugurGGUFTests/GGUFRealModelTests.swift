import AugurGGUF
import AugurKernels
import AugurTestSupport
import Foundation
import XCTest

/// The reader on the three cached models (each test skips when its model is not cached).
final class GGUFRealModelTests: XCTestCase {
    func check(_ name: String, architecture: String, tensorCount: Int, types: Set<GGMLType>,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let f = try GGUFFile(path: try TestModels.path(name))
        XCTAssertEqual(f.string("general.architecture"), architecture, file: file, line: line)
        XCTAssertEqual(f.tensorInfos.count, tensorCount, file: file, line: line)
        XCTAssertEqual(Set(f.tensorInfos.map(\.type)), types, file: file, line: line)
        for t in f.tensorInfos {
            XCTAssertTrue(t.type.isSupported, "\(name): \(t.name) has unsupported type \(t.type)", file: file, line: line)
            XCTAssertEqual(t.offset % f.alignment, 0, t.name, file: file, line: line)
            XCTAssertLessThanOrEqual(t.offset + t.byteCount, f.fileSize, t.name, file: file, line: line)
        }
        // Tensors do not overlap.
        let sorted = f.tensorInfos.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            XCTAssertLessThanOrEqual(a.offset + a.byteCount, b.offset, "\(a.name) overlaps \(b.name)", file: file, line: line)
        }
        let vocab = try f.requireStringArray("tokenizer.ggml.tokens")
        let embd = try f.requireTensor("token_embd.weight")
        XCTAssertEqual(embd.rowCount, vocab.count, "one embedding row per token", file: file, line: line)
        // The last embedding row dequantizes to finite, not all-zero values.
        let w = try WeightMatrix(f, "token_embd.weight")
        var row = [Float](repeating: .nan, count: w.cols)
        row.withUnsafeMutableBufferPointer { Dequantize.row(w.type, w.row(w.rows - 1), count: w.cols, into: $0.baseAddress!) }
        XCTAssertTrue(row.allSatisfy(\.isFinite), file: file, line: line)
        XCTAssertTrue(row.contains { $0 != 0 }, file: file, line: line)
    }

    func testSmolLM2() throws {
        try check(TestModels.smol, architecture: "llama", tensorCount: 272, types: [.f32, .q4_1, .q8_0])
    }

    func testQwenDraft() throws {
        try check(TestModels.qwenDraft, architecture: "qwen2", tensorCount: 291, types: [.f32, .q5_0, .q8_0, .q4_K, .q6_K])
    }

    func testQwenTarget() throws {
        try check(TestModels.qwenTarget, architecture: "qwen2", tensorCount: 339, types: [.f32, .q4_K, .q6_K])
    }
}
