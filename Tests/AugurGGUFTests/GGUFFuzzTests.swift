import AugurGGUF
import AugurKernels
import AugurTestSupport
import Foundation
import XCTest

/// Seeded mutations of a small valid file: parsing must throw a `GGUFError` or succeed with every
/// tensor inside the file; it must never crash, hang or allocate what a corrupted count claims.
final class GGUFFuzzTests: GGUFFileTestCase {
    enum Mutation: CaseIterable { case flipBytes, truncate, hugeU64, hugeU32, combined }

    func testMutatedFilesNeverCrash() throws {
        let base = SampleFiles.small().bytes()
        let layout = SampleFiles.small().layout()
        var rng = SeededRandom(seed: 0xA6_6E_F0_22)
        var outcomes: [String: Int] = [:]
        let iterations = 3000
        for i in 0..<iterations {
            let mutation = Mutation.allCases[i % Mutation.allCases.count]
            let bytes = mutate(base, mutation, headerEnd: layout.dataStart, rng: &rng)
            do {
                let f = try open(bytes)
                try checkInvariants(f, fileSize: bytes.count, iteration: i)
                outcomes["ok", default: 0] += 1
            } catch let e as GGUFError {
                XCTAssertFalse(e.description.isEmpty)
                outcomes[Mirror(reflecting: e).children.first?.label ?? "\(e)", default: 0] += 1
                outcomes["thrown", default: 0] += 1
            } catch {
                XCTFail("iteration \(i) (\(mutation)) threw a non-GGUF error: \(error)")
            }
        }
        print("GGUF fuzz outcomes: \(outcomes.sorted { $0.key < $1.key })")
        // Both outcomes must occur, or the mutations are too weak or too destructive to test anything.
        XCTAssertGreaterThan(outcomes["ok", default: 0], 50, "\(outcomes)")
        XCTAssertGreaterThan(outcomes["thrown", default: 0], iterations / 3, "\(outcomes)")
    }

    /// On success the file must be self-consistent: tensors inside the file, sizes matching types,
    /// and the data readable (dequantized where the type is supported).
    func checkInvariants(_ f: GGUFFile, fileSize: Int, iteration i: Int) throws {
        XCTAssertEqual(f.fileSize, fileSize)
        XCTAssertTrue(f.alignment > 0 && f.alignment & (f.alignment - 1) == 0, "iteration \(i): alignment \(f.alignment)")
        for t in f.tensorInfos {
            XCTAssertGreaterThanOrEqual(t.offset, 0, "iteration \(i): \(t.name)")
            XCTAssertLessThanOrEqual(t.offset + t.byteCount, fileSize, "iteration \(i): \(t.name)")
            XCTAssertEqual(t.type.byteCount(elements: t.elementCount), t.byteCount, "iteration \(i): \(t.name)")
            let data = f.data(of: t)
            var sum = 0
            for b in data { sum &+= Int(b) }
            _ = sum
            if t.type.isSupported, t.elementCount > 0, t.byteCount > 0 {
                let n = t.type.blockSize
                var out = [Float](repeating: 0, count: n)
                out.withUnsafeMutableBufferPointer { Dequantize.row(t.type, data.baseAddress!, count: n, into: $0.baseAddress!) }
            }
        }
    }

    func mutate(_ base: [UInt8], _ m: Mutation, headerEnd: Int, rng: inout SeededRandom) -> [UInt8] {
        var b = base
        switch m {
        case .flipBytes:
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                // Mostly in the header, where the structure lives.
                let limit = Bool.random(using: &rng) ? headerEnd : b.count
                let at = Int.random(in: 0..<limit, using: &rng)
                b[at] ^= UInt8.random(in: 1...255, using: &rng)
            }
        case .truncate:
            b.removeLast(Int.random(in: 1...b.count, using: &rng))
        case .hugeU64:
            let at = Int.random(in: 0..<(headerEnd - 8), using: &rng)
            b.replaceSubrange(at..<(at + 8), with: SampleFiles.le(hugeValue(fileSize: b.count, rng: &rng)))
        case .hugeU32:
            let at = Int.random(in: 0..<(headerEnd - 4), using: &rng)
            b.replaceSubrange(at..<(at + 4), with: SampleFiles.le(UInt32(truncatingIfNeeded: hugeValue(fileSize: b.count, rng: &rng))))
        case .combined:
            b = mutate(b, .hugeU64, headerEnd: headerEnd, rng: &rng)
            b = mutate(b, .flipBytes, headerEnd: headerEnd, rng: &rng)
            if Bool.random(using: &rng) { b = mutate(b, .truncate, headerEnd: headerEnd, rng: &rng) }
        }
        return b
    }

    /// Values that break naive readers: near the integer limits, around the file size, powers of two.
    func hugeValue(fileSize: Int, rng: inout SeededRandom) -> UInt64 {
        let candidates: [UInt64] = [
            .max, .max - 1, UInt64(Int.max), UInt64(Int.max) + 1, 1 << 32, (1 << 32) - 1, UInt32.max.toU64,
            UInt64(fileSize), UInt64(fileSize) + 1, UInt64(fileSize) - 1, UInt64(fileSize) * 8, 0, 1,
            1 << UInt64.random(in: 0..<64, using: &rng), UInt64.random(in: 0...UInt64.max, using: &rng),
        ]
        return candidates[Int.random(in: 0..<candidates.count, using: &rng)]
    }
}

private extension UInt32 {
    var toU64: UInt64 { UInt64(self) }
}
