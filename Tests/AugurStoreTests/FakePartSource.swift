import Foundation
import XCTest
@testable import AugurStore

/// A `PartSource` that serves bytes from memory: `data[package]`, or throws `downloadError`.
/// Records the calls it received.
final class FakePartSource: PartSource {
    var data: [String: [UInt8]]
    var downloadError: Error?
    /// Bytes per `write` call, to exercise chunking.
    var chunk = 2
    private(set) var downloads: [String] = []

    init(_ data: [String: [UInt8]], downloadError: Error? = nil) {
        self.data = data
        self.downloadError = downloadError
    }

    func download(_ part: ModelPart, into directory: String, progress: (Int64) -> Void) throws -> String {
        downloads.append(part.package)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory), "work directory missing")
        if let e = downloadError { throw e }
        progress(Int64(data[part.package]?.count ?? 0))
        return part.package
    }

    func extract(_ part: ModelPart, from downloaded: String, write: (UnsafeRawBufferPointer) throws -> Void) throws {
        let bytes = data[downloaded] ?? []
        var i = 0
        while i < bytes.count {
            let j = min(bytes.count, i + chunk)
            try Array(bytes[i..<j]).withUnsafeBytes { try write($0) }
            i = j
        }
    }
}

/// A temporary cache directory, removed on `cleanup()`.
struct TempDir {
    let path: String
    init() {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("augur-store-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
    var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}

/// Two-part spec whose joined bytes are "abc" (SHA-256 from FIPS 180-4, not from our hasher).
let abcSpec = ModelSpec(
    name: "tiny-abc", summary: "test",
    parts: [ModelPart(package: "p1", version: "1", member: "p1/data/part01.bin", size: 2),
            ModelPart(package: "p2", version: "1", member: "p2/data/part02.bin", size: 1)],
    size: 3, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
