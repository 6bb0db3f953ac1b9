import AugurGGUF
import AugurKernels
import Foundation
import XCTest

/// `Dequantize.row` against gguf-py's reference dequantizers, bit for bit.
///
/// Fixtures (Fixtures/dequant, written by scripts/make-dequant-fixtures.py) hold raw blocks from the
/// real models and synthetic blocks for the types no model uses, with the float32 values
/// `gguf.quants.dequantize` computes from them.
final class DequantizeTests: XCTestCase {
    struct Fixture: Decodable {
        let name: String
        let type: String
        let count: Int
        let source: String
    }

    static var fixtureDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/dequant")
    }

    static func loadIndex() throws -> [Fixture] {
        let data = try Data(contentsOf: fixtureDirectory.appendingPathComponent("index.json"))
        return try JSONDecoder().decode([Fixture].self, from: data)
    }

    static func type(named name: String) -> GGMLType? {
        GGMLType.allCases.first { $0.description == name }
    }

    func testEveryFixtureMatchesReferenceBitForBit() throws {
        let fixtures = try Self.loadIndex()
        XCTAssertGreaterThanOrEqual(fixtures.count, 20)
        var typesSeen = Set<String>()
        for f in fixtures {
            let type = try XCTUnwrap(Self.type(named: f.type), "fixture \(f.name): unknown type \(f.type)")
            XCTAssertTrue(type.isSupported, f.name)
            let blocks = try Data(contentsOf: Self.fixtureDirectory.appendingPathComponent(f.name + ".blocks"))
            let expectedData = try Data(contentsOf: Self.fixtureDirectory.appendingPathComponent(f.name + ".f32"))
            XCTAssertEqual(blocks.count, type.byteCount(elements: f.count), "\(f.name): block bytes")
            XCTAssertEqual(expectedData.count, f.count * 4, "\(f.name): expected bytes")
            let expected = expectedData.withUnsafeBytes { raw in
                (0..<f.count).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian }
            }
            var out = [Float](repeating: .nan, count: f.count)
            // Copy to an odd offset so the kernels are also checked on unaligned blocks.
            var shifted = [UInt8](repeating: 0, count: blocks.count + 1)
            shifted.replaceSubrange(1..., with: blocks)
            shifted.withUnsafeBytes { raw in
                out.withUnsafeMutableBufferPointer { Dequantize.row(type, raw.baseAddress! + 1, count: f.count, into: $0.baseAddress!) }
            }
            var mismatches = 0
            for i in 0..<f.count where out[i].bitPattern != expected[i] {
                if mismatches < 5 {
                    XCTFail("\(f.name) [\(i)]: got \(out[i]) (0x\(String(out[i].bitPattern, radix: 16))), reference \(Float(bitPattern: expected[i])) (0x\(String(expected[i], radix: 16)))")
                }
                mismatches += 1
            }
            XCTAssertEqual(mismatches, 0, "\(f.name): \(mismatches) of \(f.count) values differ (\(f.source))")
            typesSeen.insert(f.type)
        }
        let supported = Set(GGMLType.allCases.filter(\.isSupported).map(\.description))
        XCTAssertEqual(typesSeen, supported, "every supported type has a fixture")
    }

    /// Dequantizing a row block by block gives the same values as the whole row at once.
    func testBlockwiseEqualsWholeRow() throws {
        for f in try Self.loadIndex() {
            let type = try XCTUnwrap(Self.type(named: f.type))
            let blocks = try Data(contentsOf: Self.fixtureDirectory.appendingPathComponent(f.name + ".blocks"))
            var whole = [Float](repeating: 0, count: f.count)
            var pieces = [Float](repeating: 0, count: f.count)
            blocks.withUnsafeBytes { raw in
                whole.withUnsafeMutableBufferPointer { Dequantize.row(type, raw.baseAddress!, count: f.count, into: $0.baseAddress!) }
                pieces.withUnsafeMutableBufferPointer { dst in
                    for b in 0..<(f.count / type.blockSize) {
                        Dequantize.row(type, raw.baseAddress! + b * type.typeSize, count: type.blockSize,
                                       into: dst.baseAddress! + b * type.blockSize)
                    }
                }
            }
            XCTAssertEqual(whole.map(\.bitPattern), pieces.map(\.bitPattern), f.name)
        }
    }

    /// A known Q8_0 block decoded by hand: d = 0.5 (f16 0x3800), q = -16 … 15.
    func testHandBuiltQ8_0Block() {
        var block: [UInt8] = [0x00, 0x38]
        block += (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
        var out = [Float](repeating: 0, count: 32)
        block.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { Dequantize.row(.q8_0, raw.baseAddress!, count: 32, into: $0.baseAddress!) }
        }
        XCTAssertEqual(out, (0..<32).map { Float($0 - 16) * 0.5 })
    }

    /// A hand-built Q4_K block exercising the high-bit packing of sub-blocks 4-7's scales and mins.
    func testHandBuiltQ4_KScalePacking() {
        var block = [UInt8](repeating: 0, count: 144)
        block[0] = 0x00; block[1] = 0x3C   // d = 1
        block[2] = 0x00; block[3] = 0x3C   // dmin = 1
        // Sub-block 0: scale 5, min 7. Sub-block 5: scale 0b11_0010 = 50, min 0b10_0011 = 35.
        block[4 + 0] = 5
        block[4 + 4] = 7
        block[4 + 1] = 0b11 << 6           // top bits of scale 5
        block[4 + 5] = 0b10 << 6           // top bits of min 5
        block[4 + 9] = 0x3 << 4 | 0x2      // low nibbles: min 3, scale 2
        // Sub-block 0 reads low nibbles of qs[0..<32]; sub-block 5 high nibbles of qs[64..<96].
        for l in 0..<32 { block[16 + l] = UInt8(l % 16); block[16 + 64 + l] = UInt8(l % 16) << 4 }
        var out = [Float](repeating: 0, count: 256)
        block.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { Dequantize.row(.q4_K, raw.baseAddress!, count: 256, into: $0.baseAddress!) }
        }
        for l in 0..<32 {
            XCTAssertEqual(out[l], 5 * Float(l % 16) - 7, "sub-block 0 [\(l)]")
            XCTAssertEqual(out[160 + l], 50 * Float(l % 16) - 35, "sub-block 5 [\(l)]")
        }
    }
}
