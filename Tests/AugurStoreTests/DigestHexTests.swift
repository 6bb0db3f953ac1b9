import Foundation
import XCTest
@testable import AugurStore

/// The hex form of swift-crypto's SHA-256, which the pull compares with `ModelSpec.sha256`.
final class DigestHexTests: XCTestCase {
    /// FIPS 180-4 example vectors (one block, empty message, two blocks).
    func testKnownVectors() {
        XCTAssertEqual(sha256Hex(Array("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(sha256Hex([UInt8]()),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Throughput on a cached model; opt-in (`AUGUR_HASH_FILE=<path>`), prints MiB/s. A file named
    /// like a registry model must hash to the registry's digest.
    func testFileThroughput() throws {
        guard let path = ProcessInfo.processInfo.environment["AUGUR_HASH_FILE"] else {
            throw XCTSkip("set AUGUR_HASH_FILE to a large file to measure hashing throughput")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        let start = Date()
        let hex = sha256Hex(data)
        let seconds = Date().timeIntervalSince(start)
        print("SHA-256 \(path): \(hex) in \(String(format: "%.2f", seconds)) s, "
              + "\(Int(Double(data.count) / 1_048_576 / seconds)) MiB/s")
        XCTAssertEqual(hex.count, 64)
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if let spec = ModelRegistry.spec(named: name) { XCTAssertEqual(hex, spec.sha256) }
    }
}
