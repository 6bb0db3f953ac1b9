import AugurGGUF
import AugurTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates `path` holding `bytes` with plain POSIX calls: Foundation's `Data.write` and
/// `removeItem` take milliseconds each on some file systems, which the fuzz test would pay
/// thousands of times.
func writeNewFile(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    defer { close(fd) }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
}

/// Temporary files for reader tests: each test case gets its own directory, removed afterwards.
class GGUFFileTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("augur-gguf-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var fileCounter = 0

    /// Writes `bytes` to a new file in the test directory and returns its path. (A fresh name each
    /// time: truncating a just-mapped file costs milliseconds on some file systems.)
    func store(_ bytes: [UInt8]) throws -> String {
        fileCounter += 1
        let path = directory.appendingPathComponent("file\(fileCounter).gguf").path
        try writeNewFile(path, bytes)
        return path
    }

    /// Opens `bytes` as a GGUF file; the file itself is removed again (the mapping stays valid).
    func open(_ bytes: [UInt8]) throws -> GGUFFile {
        let path = try store(bytes)
        defer { unlink(path) }
        return try GGUFFile(path: path)
    }

    /// Asserts that opening `bytes` throws `expected` and that its message contains `words`.
    func assertThrows(_ bytes: [UInt8], _ expected: GGUFError, mentioning words: [String],
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try open(bytes), file: file, line: line) { error in
            guard let e = error as? GGUFError else {
                return XCTFail("threw \(error), not a GGUFError", file: file, line: line)
            }
            XCTAssertEqual(e, expected, file: file, line: line)
            for w in words {
                XCTAssertTrue(e.description.contains(w), "message '\(e.description)' does not mention '\(w)'", file: file, line: line)
            }
        }
    }
}


enum SampleFiles {
    /// Little-endian bytes of `v`.
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// A small valid model-like file: a few metadata kinds and F32, Q8_0 and Q4_K tensors with
    /// data sizes that need padding.
    static func small(alignment: Int? = nil) -> GGUFWriter {
        var w = GGUFWriter()
        w.add("general.architecture", .string("llama"))
        if let alignment { w.add("general.alignment", .uint32(UInt32(alignment))) }
        w.add("llama.block_count", .uint32(2))
        w.add("llama.rope.freq_base", .float32(10000))
        w.add("tokenizer.ggml.tokens", .array(["a", "b", "<s>"].map { .string($0) }))
        w.add("tokenizer.ggml.token_type", .array([1, 1, 3].map { .int32($0) }))
        w.addTensor(name: "norm.weight", floats: [1, 2, 3])
        var q8: [UInt8] = []
        for b in 0..<2 { q8 += [0x00, 0x3C] + (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ b) } }
        w.addTensor(name: "embd.weight", type: .q8_0, dimensions: [32, 2], data: q8)
        w.addTensor(name: "ffn.weight", type: .q4_K, dimensions: [256, 1], data: (0..<144).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        return w
    }
}
