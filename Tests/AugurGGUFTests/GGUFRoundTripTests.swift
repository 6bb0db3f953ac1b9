import AugurGGUF
import AugurTestSupport
import Foundation
import XCTest

/// GGUFWriter → GGUFFile round trips: metadata of every value type, tensor infos, data, alignment.
final class GGUFRoundTripTests: GGUFFileTestCase {
    func testEveryScalarValueTypeRoundTrips() throws {
        let values: [(String, GGUFValue)] = [
            ("u8", .uint8(.max)), ("i8", .int8(.min)), ("u16", .uint16(.max)), ("i16", .int16(.min)),
            ("u32", .uint32(.max)), ("i32", .int32(.min)), ("u64", .uint64(.max)), ("i64", .int64(.min)),
            ("f32", .float32(-.pi)), ("f32.zero", .float32(-0.0)), ("f32.inf", .float32(.infinity)),
            ("f64", .float64(1e-300)), ("true", .bool(true)), ("false", .bool(false)),
            ("str", .string("héllo 🦊 Ġworld")), ("empty", .string("")),
        ]
        var w = GGUFWriter()
        for (k, v) in values { w.add(k, v) }
        let f = try open(w.bytes())
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.metadata.count, values.count)
        for (k, v) in values { XCTAssertEqual(f.metadata[k], v, k) }
        // Equality of -0.0 and 0.0 would hide a sign loss: compare bits.
        if case .float32(let z) = f.metadata["f32.zero"] { XCTAssertEqual(z.bitPattern, (-0.0 as Float).bitPattern) } else { XCTFail() }
        XCTAssertEqual(f.int("u64"), nil, "UInt64.max does not fit Int")
        XCTAssertEqual(f.int("i64"), Int(Int64.min))
        XCTAssertEqual(f.double("f64"), 1e-300)
        XCTAssertEqual(f.string("str"), "héllo 🦊 Ġworld")
        XCTAssertEqual(try f.requireInt("u32"), Int(UInt32.max))
        XCTAssertEqual(try f.requireDouble("f32"), Double(-Float.pi))
        XCTAssertEqual(try f.requireString("empty"), "")
    }

    func testNaNRoundTripsBitExactly() throws {
        var w = GGUFWriter()
        let nan = Float(bitPattern: 0x7FC0_1234)
        w.add("nan", .float32(nan))
        w.add("nan64", .float64(Double(bitPattern: 0x7FF8_0000_0000_ABCD)))
        let f = try open(w.bytes())
        guard case .float32(let x) = f.metadata["nan"], case .float64(let y) = f.metadata["nan64"] else { return XCTFail() }
        XCTAssertEqual(x.bitPattern, 0x7FC0_1234)
        XCTAssertEqual(y.bitPattern, 0x7FF8_0000_0000_ABCD)
    }

    func testArraysRoundTrip() throws {
        let strings: [GGUFValue] = ["<|endoftext|>", "Ġthe", "", "日本"].map { .string($0) }
        let arrays: [(String, GGUFValue)] = [
            ("tokens", .array(strings)),
            ("types", .array([1, -2, 3].map { .int32($0) })),
            ("bytes", .array([0, 255].map { .uint8($0) })),
            ("scores", .array([0.5, -1.25].map { .float32($0) })),
            ("flags", .array([.bool(true), .bool(false)])),
            ("wide", .array([.uint64(.max), .uint64(0)])),
            ("doubles", .array([.float64(2.5)])),
            ("shorts", .array([.int16(-7), .int16(7)])),
            ("nested", .array([.array([.uint16(1), .uint16(2)]), .array([.uint16(3)])])),
            ("nested.strings", .array([.array(strings), .array([])])),
        ]
        var w = GGUFWriter()
        for (k, v) in arrays { w.add(k, v) }
        w.addArray("empty.strings", of: .string, [])
        w.addArray("empty.floats", of: .float32, [])
        let f = try open(w.bytes())
        for (k, v) in arrays { XCTAssertEqual(f.metadata[k], v, k) }
        XCTAssertEqual(f.metadata["empty.strings"], .array([]))
        XCTAssertEqual(f.metadata["empty.floats"], .array([]))
        XCTAssertEqual(try f.requireStringArray("tokens"), ["<|endoftext|>", "Ġthe", "", "日本"])
        XCTAssertEqual(try f.intArray("types"), [1, -2, 3])
        XCTAssertNil(try f.intArray("absent"))
        XCTAssertThrowsError(try f.intArray("tokens")) { XCTAssertEqual($0 as? GGUFError, .wrongMetadataType(key: "tokens", expected: "an array of integers")) }
        XCTAssertThrowsError(try f.requireStringArray("types")) { XCTAssertEqual($0 as? GGUFError, .wrongMetadataType(key: "types", expected: "an array of strings")) }
    }

    func testTypedAccessorsReportMissingAndWrongTypes() throws {
        var w = GGUFWriter()
        w.add("name", .string("x"))
        w.add("count", .uint32(3))
        let f = try open(w.bytes())
        XCTAssertThrowsError(try f.requireInt("name")) { XCTAssertEqual($0 as? GGUFError, .wrongMetadataType(key: "name", expected: "an integer")) }
        XCTAssertThrowsError(try f.requireString("count")) { XCTAssertEqual($0 as? GGUFError, .wrongMetadataType(key: "count", expected: "a string")) }
        XCTAssertThrowsError(try f.requireDouble("nope")) { error in
            XCTAssertEqual(error as? GGUFError, .missingMetadata("nope"))
            XCTAssertTrue("\(error)".contains("nope"))
        }
        XCTAssertThrowsError(try f.requireTensor("nope")) { XCTAssertEqual($0 as? GGUFError, .missingTensor("nope")) }
        XCTAssertNil(f.tensorInfo("nope"))
    }

    func testTensorInfosAndDataRoundTrip() throws {
        let w = SampleFiles.small()
        let bytes = w.bytes()
        let layout = w.layout()
        XCTAssertEqual(bytes.count, layout.fileSize)
        let f = try open(bytes)
        XCTAssertEqual(f.fileSize, bytes.count)
        XCTAssertEqual(f.tensorInfos.map(\.name), ["norm.weight", "embd.weight", "ffn.weight"])
        XCTAssertEqual(f.tensorInfos.map(\.type), [.f32, .q8_0, .q4_K])
        XCTAssertEqual(f.tensorInfos.map(\.dimensions), [[3], [32, 2], [256, 1]])
        XCTAssertEqual(f.tensorInfos.map(\.offset), layout.tensorStarts)
        XCTAssertEqual(f.tensorInfos.map(\.byteCount), [12, 68, 144])
        let embd = try f.requireTensor("embd.weight")
        XCTAssertEqual(embd.rowLength, 32)
        XCTAssertEqual(embd.rowCount, 2)
        XCTAssertEqual(embd.elementCount, 64)
        for (i, t) in w.tensors.enumerated() {
            XCTAssertEqual(Array(f.data(of: f.tensorInfos[i])), t.data, t.name)
        }
        XCTAssertEqual(Array(f.bytes), bytes)
        let norm = f.data(of: try f.requireTensor("norm.weight"))
        XCTAssertEqual((0..<3).map { norm.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }, [1, 2, 3])
    }

    func testHalfTensorsAreStoredAsHalves() throws {
        var w = GGUFWriter()
        w.addTensor(name: "h", halves: [1, -2, 0.5, 65504])
        let f = try open(w.bytes())
        let info = try f.requireTensor("h")
        XCTAssertEqual(info.type, .f16)
        let d = f.data(of: info)
        XCTAssertEqual((0..<4).map { Float(Float16(bitPattern: d.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }, [1, -2, 0.5, 65504])
    }

    func testDefaultAlignmentIs32() throws {
        let w = SampleFiles.small()
        let f = try open(w.bytes())
        XCTAssertEqual(f.alignment, 32)
        XCTAssertNil(f.metadata["general.alignment"])
        for t in f.tensorInfos { XCTAssertEqual(t.offset % 32, 0, t.name) }
        // The data section begins at the first multiple of 32 after the tensor infos.
        XCTAssertEqual(f.tensorInfos[0].offset, w.layout().dataStart)
        // The 12-byte norm tensor is padded to 32 bytes, not more.
        XCTAssertEqual(f.tensorInfos[1].offset - f.tensorInfos[0].offset, 32)
    }

    func testCustomAlignment64() throws {
        for a in [64, 128, 1] {
            let w = SampleFiles.small(alignment: a)
            let f = try open(w.bytes())
            XCTAssertEqual(f.alignment, a)
            XCTAssertEqual(f.tensorInfos.map(\.offset), w.layout().tensorStarts)
            for t in f.tensorInfos { XCTAssertEqual(t.offset % a, 0, "\(t.name) at alignment \(a)") }
            for (i, t) in w.tensors.enumerated() { XCTAssertEqual(Array(f.data(of: f.tensorInfos[i])), t.data) }
        }
    }

    func testAlignmentOfAnyIntegerType() throws {
        var w = GGUFWriter()
        w.add("general.alignment", .uint64(64))
        w.addTensor(name: "a", floats: [1])
        w.addTensor(name: "b", floats: [2])
        let f = try open(w.bytes())
        XCTAssertEqual(f.alignment, 64)
        XCTAssertEqual(f.tensorInfos[1].offset - f.tensorInfos[0].offset, 64)
    }

    func testVersion2IsAccepted() throws {
        var w = SampleFiles.small()
        w.version = 2
        let f = try open(w.bytes())
        XCTAssertEqual(f.version, 2)
        XCTAssertEqual(f.tensorInfos.count, 3)
    }

    func testEmptyFileWithoutTensors() throws {
        let f = try open(GGUFWriter().bytes())
        XCTAssertTrue(f.metadata.isEmpty)
        XCTAssertTrue(f.tensorInfos.isEmpty)
    }

    func testWriteToURL() throws {
        let url = directory.appendingPathComponent("written.gguf")
        let w = SampleFiles.small()
        try w.write(to: url)
        let f = try GGUFFile(path: url.path)
        XCTAssertEqual(f.string("general.architecture"), "llama")
        XCTAssertEqual(f.path, url.path)
    }
}
