import AugurGGUF
import AugurTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// One test per kind of bad input: the reader throws the matching `GGUFError`, whose message names
/// the problem, and never crashes or allocates what a header merely claims.
final class GGUFErrorTests: GGUFFileTestCase {
    typealias W = GGUFWriter

    // MARK: Truncation

    func testTruncatedHeader() {
        let bytes = SampleFiles.small().bytes()
        assertThrows([], .truncated(what: "magic", offset: 0), mentioning: ["truncated", "magic"])
        assertThrows(Array(bytes[..<2]), .truncated(what: "magic", offset: 0), mentioning: ["magic"])
        assertThrows(Array(bytes[..<6]), .truncated(what: "version", offset: 4), mentioning: ["version"])
        assertThrows(Array(bytes[..<12]), .truncated(what: "tensor count", offset: 8), mentioning: ["tensor count"])
        assertThrows(Array(bytes[..<20]), .truncated(what: "metadata count", offset: 16), mentioning: ["metadata count"])
    }

    func testTruncatedMetadata() {
        var w = W()
        w.add("general.architecture", .string("llama"))   // key at 24, type at 52, value length at 56
        w.add("llama.block_count", .uint64(2))              // key at 69, type at 94, value at 98
        let b = w.bytes()
        XCTAssertEqual(w.layout().tensorInfoStart, 106)
        assertThrows(Array(b[..<28]), .truncated(what: "string length", offset: 24), mentioning: ["string length", "24"])
        assertThrows(Array(b[..<54]), .truncated(what: "type of 'general.architecture'", offset: 52), mentioning: ["general.architecture"])
        assertThrows(Array(b[..<60]), .truncated(what: "string length", offset: 56), mentioning: ["56"])
        assertThrows(Array(b[..<66]), .absurdStringLength(5, offset: 56), mentioning: ["length 5", "56"])
        assertThrows(Array(b[..<102]), .truncated(what: "llama.block_count", offset: 98), mentioning: ["llama.block_count", "98"])
    }

    func testTruncatedTensorInfos() {
        var w = W()
        w.addTensor(name: "t", floats: Array(repeating: 1, count: 8), dimensions: [4, 2])
        let b = w.bytes()   // name length at 24, dimension count at 33, dims at 37, type at 53, offset at 57
        XCTAssertEqual(b.count, 128)
        assertThrows(Array(b[..<28]), .truncated(what: "string length", offset: 24), mentioning: ["string length"])
        assertThrows(Array(b[..<35]), .truncated(what: "dimension count of 't'", offset: 33), mentioning: ["dimension count of 't'"])
        assertThrows(Array(b[..<45]), .truncated(what: "dimensions of 't'", offset: 45), mentioning: ["dimensions of 't'"])
        assertThrows(Array(b[..<55]), .truncated(what: "type of 't'", offset: 53), mentioning: ["type of 't'"])
        assertThrows(Array(b[..<60]), .truncated(what: "offset of 't'", offset: 57), mentioning: ["offset of 't'"])
    }

    func testTruncatedData() {
        var w = W()
        w.addTensor(name: "t", floats: Array(repeating: 1, count: 8), dimensions: [4, 2])   // data at 96..<128
        let b = w.bytes()
        assertThrows(Array(b[..<80]), .tensorOutOfBounds(tensor: "t", end: 128, fileSize: 80), mentioning: ["'t'", "128", "80 bytes"])
        assertThrows(Array(b[..<127]), .tensorOutOfBounds(tensor: "t", end: 128, fileSize: 127), mentioning: ["past the end"])
    }

    /// Every proper prefix of a valid file is rejected with a GGUFError.
    func testEveryPrefixOfAValidFileThrows() throws {
        let bytes = SampleFiles.small().bytes()
        XCTAssertNoThrow(try open(bytes))
        for cut in 0..<bytes.count {
            XCTAssertThrowsError(try open(Array(bytes[..<cut])), "prefix of \(cut) bytes") { error in
                XCTAssertTrue(error is GGUFError, "prefix of \(cut) bytes threw \(error)")
            }
        }
    }

    // MARK: Header

    func testWrongMagic() {
        var b = SampleFiles.small().bytes()
        b[3] = UInt8(ascii: "X")
        assertThrows(b, .badMagic(found: 0x5855_4747), mentioning: ["not a GGUF file", "0x58554747"])
        assertThrows(Array("PK\u{3}\u{4}not a model at all, just some bytes".utf8), .badMagic(found: 0x0403_4B50), mentioning: ["magic"])
    }

    func testUnsupportedVersions() {
        for v: UInt32 in [1, 4, 0x0300_0000] {
            var w = SampleFiles.small()
            w.version = v
            assertThrows(w.bytes(), .unsupportedVersion(v), mentioning: ["unsupported GGUF version \(v)"])
        }
    }

    func testAbsurdTensorAndMetadataCounts() {
        let b = SampleFiles.small().bytes()
        for huge: UInt64 in [.max, 1 << 32, UInt64(b.count)] {
            var t = b
            t.replaceSubrange(8..<16, with: SampleFiles.le(huge))
            assertThrows(t, .absurdCount(what: "tensor count", value: huge), mentioning: ["tensor count", "\(huge)"])
            var m = b
            m.replaceSubrange(16..<24, with: SampleFiles.le(huge))
            assertThrows(m, .absurdCount(what: "metadata count", value: huge), mentioning: ["metadata count", "\(huge)"])
        }
    }

    // MARK: Metadata

    func testAbsurdStringLength() {
        var w = W()
        w.addRaw("k", typeCode: 8, payload: SampleFiles.le(UInt64(1) << 60) + Array("short".utf8))
        assertThrows(w.bytes(), .absurdStringLength(1 << 60, offset: 24 + 8 + 1 + 4), mentioning: ["\(UInt64(1) << 60)", "longer than the file"])
        // The key's own length.
        var b = SampleFiles.small().bytes()
        b.replaceSubrange(24..<32, with: SampleFiles.le(UInt64.max))
        assertThrows(b, .absurdStringLength(.max, offset: 24), mentioning: ["offset 24"])
    }

    func testAbsurdArrayLength() {
        var w = W()
        w.addRaw("arr", typeCode: 9, payload: SampleFiles.le(UInt32(10)) + SampleFiles.le(UInt64(1) << 50))
        assertThrows(w.bytes(), .absurdCount(what: "array length of 'arr'", value: 1 << 50), mentioning: ["array length of 'arr'"])
        // 100 u64 elements need 800 bytes; 400 remain. A one-byte-per-element bound would let this pass.
        var v = W()
        v.addRaw("wide", typeCode: 9, payload: SampleFiles.le(UInt32(10)) + SampleFiles.le(UInt64(100)) + [UInt8](repeating: 0, count: 400))
        assertThrows(v.bytes(), .absurdCount(what: "array length of 'wide'", value: 100), mentioning: ["'wide'", "100"])
    }

    func testArrayNestingIsBounded() throws {
        var deep = GGUFValue.uint8(1)
        for _ in 0..<4 { deep = .array([deep]) }
        var ok = W()
        ok.add("deep", deep)
        XCTAssertEqual(try open(ok.bytes()).metadata["deep"], deep)
        var w = W()
        w.add("deeper", .array([deep]))
        assertThrows(w.bytes(), .absurdCount(what: "array nesting of 'deeper'", value: 4), mentioning: ["nesting"])
    }

    func testUnknownMetadataValueType() {
        var w = W()
        w.addRaw("mystery", typeCode: 13, payload: [0, 0, 0, 0])
        assertThrows(w.bytes(), .unknownValueType(13, key: "mystery"), mentioning: ["value type 13", "'mystery'"])
        var a = W()
        a.addRaw("list", typeCode: 9, payload: SampleFiles.le(UInt32(99)) + SampleFiles.le(UInt64(0)))
        assertThrows(a.bytes(), .unknownValueType(99, key: "list"), mentioning: ["99", "'list'"])
    }

    func testDuplicateMetadataKey() {
        var w = W()
        w.add("general.name", .string("a"))
        w.add("general.name", .string("b"))
        assertThrows(w.bytes(), .duplicateKey("general.name"), mentioning: ["'general.name'", "twice"])
    }

    func testBadAlignment() {
        for a: UInt32 in [0, 3, 48] {
            var w = SampleFiles.small()
            w.add("general.alignment", .uint32(a))
            assertThrows(w.bytes(), .badAlignment(Int(a)), mentioning: ["alignment is \(a)", "power of two"])
        }
        var s = W()
        s.add("general.alignment", .string("32"))
        assertThrows(s.bytes(), .badAlignment(-1), mentioning: ["general.alignment"])
    }

    // MARK: Tensors

    func testUnknownTensorType() {
        var w = W()
        w.addRawTensor(.init(name: "odd", dimensions: [32], typeCode: 99, data: [UInt8](repeating: 0, count: 64)))
        assertThrows(w.bytes(), .unknownTensorType(99, tensor: "odd"), mentioning: ["'odd'", "unknown tensor type 99"])
    }

    /// Known but unsupported types are the model loader's business: the reader accepts them.
    func testKnownUnsupportedTensorTypeIsReadable() throws {
        var w = W()
        w.addTensor(name: "q2", type: .q2_K, dimensions: [256], data: [UInt8](repeating: 0, count: 84))
        let f = try open(w.bytes())
        XCTAssertEqual(f.tensorInfos.first?.type, .q2_K)
        XCTAssertFalse(GGMLType.q2_K.isSupported)
    }

    func testDuplicateTensor() {
        var w = W()
        w.addTensor(name: "x", floats: [1])
        w.addTensor(name: "x", floats: [2])
        assertThrows(w.bytes(), .duplicateTensor("x"), mentioning: ["'x'", "twice"])
    }

    func testTensorPastEndOfFile() {
        var far = W()
        far.addRawTensor(.init(name: "far", dimensions: [4], typeCode: 0, data: [], offset: 1 << 40))
        assertThrows(far.bytes(), .tensorOutOfBounds(tensor: "far", end: 1 << 40, fileSize: far.bytes().count), mentioning: ["'far'", "past the end"])

        var wrap = W()
        wrap.addRawTensor(.init(name: "wrap", dimensions: [4], typeCode: 0, data: [], offset: UInt64.max - 31))
        assertThrows(wrap.bytes(), .tensorOutOfBounds(tensor: "wrap", end: Int.max, fileSize: wrap.bytes().count), mentioning: ["'wrap'"])

        // Declares 64 floats but carries 4: the data would run past the end.
        var short = W()
        short.addTensor(name: "a", floats: [1])
        short.addTensor(name: "short", type: .f32, dimensions: [64], data: [UInt8](repeating: 0, count: 16))
        let start = short.layout().tensorStarts[1]
        assertThrows(short.bytes(), .tensorOutOfBounds(tensor: "short", end: start + 256, fileSize: start + 16), mentioning: ["'short'", "\(start + 256)"])
    }

    func testMisalignedTensorOffset() {
        var w = W()
        w.addRawTensor(.init(name: "m", dimensions: [1], typeCode: 0, data: [0, 0, 0, 0, 0, 0, 0, 0], offset: 4))
        assertThrows(w.bytes(), .misalignedTensor(tensor: "m", offset: 4, alignment: 32), mentioning: ["'m'", "offset 4", "alignment 32"])
    }

    func testBadDimensions() {
        func one(_ dims: [UInt64], type: UInt32 = 0, _ expected: GGUFError, _ words: [String], line: UInt = #line) {
            var w = W()
            w.addRawTensor(.init(name: "d", dimensions: dims, typeCode: type, data: [UInt8](repeating: 0, count: 64)))
            assertThrows(w.bytes(), expected, mentioning: words, line: line)
        }
        one([16], type: GGMLType.q8_0.rawValue, .badDimensions(tensor: "d", dims: [16]), ["'d'", "[16]"])
        one([4, 0], .badDimensions(tensor: "d", dims: [4, 0]), ["invalid dimensions"])
        one([1 << 32, 1 << 32], .badDimensions(tensor: "d", dims: [1 << 32, 1 << 32]), ["'d'"])
        one([], .absurdCount(what: "dimension count of 'd'", value: 0), ["dimension count"])
        one([1, 1, 1, 1, 1], .absurdCount(what: "dimension count of 'd'", value: 5), ["dimension count of 'd'", "5"])
    }

    // MARK: Paths

    func testNonexistentPath() {
        let path = directory.appendingPathComponent("absent.gguf").path
        XCTAssertThrowsError(try GGUFFile(path: path)) { error in
            guard case .cannotOpen(let p, let reason)? = error as? GGUFError else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue(reason.contains("No such file"), reason)
            XCTAssertTrue("\(error)".contains(path))
        }
    }

    func testDirectory() {
        XCTAssertThrowsError(try GGUFFile(path: directory.path)) { error in
            XCTAssertEqual(error as? GGUFError, .cannotOpen(path: directory.path, reason: "is a directory"))
            XCTAssertTrue("\(error)".contains("is a directory"))
        }
    }

    func testFIFOIsRejectedWithoutBlocking() throws {
        let path = directory.appendingPathComponent("fifo").path
        guard mkfifo(path, 0o600) == 0 else { throw XCTSkip("mkfifo failed") }
        XCTAssertThrowsError(try GGUFFile(path: path)) { error in
            XCTAssertEqual(error as? GGUFError, .cannotOpen(path: path, reason: "not a regular file"))
        }
    }
}
