import Foundation
import XCTest
@testable import AugurStore

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4 / NIST example vectors.
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hash(Array("".utf8)).hexString,
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash(Array("abc".utf8)).hexString,
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hexString,
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)).hexString,
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Splitting the message at arbitrary points must not change the digest.
    func testIncrementalUpdatesMatchOneShot() {
        var rng = SystemRandomNumberGenerator()
        let message = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let expected = SHA256.hash(message)
        for chunk in [1, 3, 63, 64, 65, 127, 1000] {
            var h = SHA256()
            var i = 0
            while i < message.count {
                let j = min(message.count, i + chunk)
                h.update(Array(message[i..<j]))
                i = j
            }
            XCTAssertEqual(h.finalize(), expected, "chunk \(chunk)")
        }
        // Message lengths around the padding boundary (55, 56, 64 bytes) hash differently.
        let digests = Set([55, 56, 63, 64, 65].map { SHA256.hash(Array(message[0..<$0])).hexString })
        XCTAssertEqual(digests.count, 5)
    }

    /// Cross-check against coreutils `sha256sum` on random data.
    func testMatchesSha256sum() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else {
            throw XCTSkip("sha256sum not installed")
        }
        var rng = SystemRandomNumberGenerator()
        let data = Data((0..<300_001).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("augur-sha-\(UUID().uuidString)")
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(SHA256.hash(data).hexString, String(out.prefix(64)))
    }

    /// Throughput sanity check (a 1 GiB model must hash in well under a minute).
    func testThroughput() {
        let block = [UInt8](repeating: 0x5a, count: 1 << 20)
        var h = SHA256()
        let start = Date()
        for _ in 0..<64 { h.update(block) }
        _ = h.finalize()
        let mbPerSecond = 64 / Date().timeIntervalSince(start)
        print("SHA256 throughput: \(Int(mbPerSecond)) MiB/s")
        XCTAssertGreaterThan(mbPerSecond, 50)
    }
}
