import AugurGGUF
import Foundation

/// Builds GGUF files in memory: synthetic tiny models for tests, and (through the raw escape hatches)
/// deliberately malformed files for the reader's error tests.
///
/// Layout written (GGUF spec, ggml docs/gguf.md): magic "GGUF", u32 version, u64 tensor count,
/// u64 metadata count, key/values in insertion order, tensor infos in insertion order, zero padding
/// to the alignment, then each tensor's data, every tensor starting at a multiple of the alignment
/// (relative to the data section). The alignment is `general.alignment` when that key holds an
/// integer, else 32. Nothing is validated, so duplicates and bad values can be written on purpose.
///
/// ```swift
/// var w = GGUFWriter()
/// w.add("general.architecture", .string("llama"))
/// w.add("llama.block_count", .uint32(2))
/// w.addTensor(name: "output_norm.weight", floats: [1, 1, 1, 1])
/// w.addTensor(name: "token_embd.weight", type: .q8_0, dimensions: [32, 4], data: blocks)
/// try w.write(to: url)
/// ```
public struct GGUFWriter {
    /// GGUF metadata value type codes (GGUF spec, `gguf_metadata_value_type`).
    public enum ValueType: UInt32, Sendable {
        case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64
    }

    /// One tensor info plus its data. `typeCode` is the raw `ggml_type`; `offset`, when set, is
    /// written instead of the computed data offset.
    public struct Tensor {
        public var name: String
        public var dimensions: [UInt64]
        public var typeCode: UInt32
        public var data: [UInt8]
        public var offset: UInt64?

        public init(name: String, dimensions: [UInt64], typeCode: UInt32, data: [UInt8], offset: UInt64? = nil) {
            self.name = name
            self.dimensions = dimensions
            self.typeCode = typeCode
            self.data = data
            self.offset = offset
        }
    }

    /// Where the sections of `bytes()` start, for tests that cut or patch a file.
    public struct Layout: Equatable {
        public var metadataStart: Int
        public var tensorInfoStart: Int
        /// First byte of the data section (after padding).
        public var dataStart: Int
        /// Absolute start of each tensor's data, in insertion order.
        public var tensorStarts: [Int]
        public var fileSize: Int
    }

    public var magic: UInt32 = 0x4655_4747
    public var version: UInt32 = 3
    /// Key/value pairs in file order: the key, then the already encoded type code and value.
    private(set) var entries: [(key: String, encoded: [UInt8])] = []
    public private(set) var tensors: [Tensor] = []
    private var alignmentValue: Int = 32

    public init() {}

    /// Alignment used for the data section: the last integer `general.alignment` added, else 32.
    public var alignment: Int { alignmentValue }

    /// Appends a metadata key/value. Arrays take their element type from their first element
    /// (empty arrays are written as arrays of `uint8`; use `addArray` to choose).
    public mutating func add(_ key: String, _ value: GGUFValue) {
        var e: [UInt8] = []
        Self.appendTyped(value, to: &e)
        entries.append((key, e))
        if key == "general.alignment", let a = value.intValue, a > 0 { alignmentValue = a }
    }

    /// Appends an array whose element type is given explicitly (needed for empty arrays).
    public mutating func addArray(_ key: String, of elementType: ValueType, _ values: [GGUFValue]) {
        var e: [UInt8] = []
        Self.append(ValueType.array.rawValue, to: &e)
        Self.append(elementType.rawValue, to: &e)
        Self.append(UInt64(values.count), to: &e)
        for v in values { Self.appendPayload(v, to: &e) }
        entries.append((key, e))
    }

    /// Appends a key with an arbitrary type code and payload bytes (for malformed-file tests).
    public mutating func addRaw(_ key: String, typeCode: UInt32, payload: [UInt8]) {
        var e: [UInt8] = []
        Self.append(typeCode, to: &e)
        e += payload
        entries.append((key, e))
    }

    /// Appends a tensor of `type` with `dimensions` innermost first (`[rowLength, rowCount]`);
    /// `data` must be its bytes (`type.byteCount(elements:)` of the element count).
    public mutating func addTensor(name: String, type: GGMLType, dimensions: [Int], data: [UInt8]) {
        tensors.append(Tensor(name: name, dimensions: dimensions.map { UInt64($0) }, typeCode: type.rawValue, data: data, offset: nil))
    }

    /// Appends an F32 tensor; `dimensions` defaults to one row of `floats.count`.
    public mutating func addTensor(name: String, floats: [Float], dimensions: [Int]? = nil) {
        var data: [UInt8] = []
        data.reserveCapacity(floats.count * 4)
        for f in floats { Self.append(f.bitPattern, to: &data) }
        addTensor(name: name, type: .f32, dimensions: dimensions ?? [floats.count], data: data)
    }

    /// Appends an F16 tensor (values rounded to half precision).
    public mutating func addTensor(name: String, halves: [Float], dimensions: [Int]? = nil) {
        var data: [UInt8] = []
        data.reserveCapacity(halves.count * 2)
        for f in halves { Self.append(Float16(f).bitPattern, to: &data) }
        addTensor(name: name, type: .f16, dimensions: dimensions ?? [halves.count], data: data)
    }

    /// Appends a tensor written exactly as given (any type code, dimensions, offset).
    public mutating func addRawTensor(_ tensor: Tensor) { tensors.append(tensor) }

    /// Section offsets of the file `bytes()` returns.
    public func layout() -> Layout {
        var pos = 4 + 4 + 8 + 8
        let metadataStart = pos
        for e in entries { pos += 8 + e.key.utf8.count + e.encoded.count }
        let tensorInfoStart = pos
        for t in tensors { pos += 8 + t.name.utf8.count + 4 + 8 * t.dimensions.count + 4 + 8 }
        let a = alignmentValue
        let dataStart = (pos + a - 1) / a * a
        var starts: [Int] = []
        var rel = 0
        for t in tensors {
            rel = (rel + a - 1) / a * a
            starts.append(dataStart + rel)
            rel += t.data.count
        }
        return Layout(metadataStart: metadataStart, tensorInfoStart: tensorInfoStart, dataStart: dataStart,
                      tensorStarts: starts, fileSize: dataStart + rel)
    }

    /// The whole file.
    public func bytes() -> [UInt8] {
        let l = layout()
        var out: [UInt8] = []
        out.reserveCapacity(l.fileSize)
        Self.append(magic, to: &out)
        Self.append(version, to: &out)
        Self.append(UInt64(tensors.count), to: &out)
        Self.append(UInt64(entries.count), to: &out)
        for e in entries {
            Self.appendString(e.key, to: &out)
            out += e.encoded
        }
        for (i, t) in tensors.enumerated() {
            Self.appendString(t.name, to: &out)
            Self.append(UInt32(t.dimensions.count), to: &out)
            for d in t.dimensions { Self.append(d, to: &out) }
            Self.append(t.typeCode, to: &out)
            Self.append(t.offset ?? UInt64(l.tensorStarts[i] - l.dataStart), to: &out)
        }
        for (i, t) in tensors.enumerated() {
            out += [UInt8](repeating: 0, count: l.tensorStarts[i] - out.count)
            out += t.data
        }
        if tensors.isEmpty { out += [UInt8](repeating: 0, count: l.dataStart - out.count) }
        return out
    }

    /// Writes `bytes()` to `url`, replacing any file there.
    public func write(to url: URL) throws {
        try Data(bytes()).write(to: url)
    }

    // MARK: - Encoding (little endian)

    static func append<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        append(UInt64(s.utf8.count), to: &out)
        out += Array(s.utf8)
    }

    static func typeCode(of v: GGUFValue) -> ValueType {
        switch v {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    static func appendTyped(_ v: GGUFValue, to out: inout [UInt8]) {
        append(typeCode(of: v).rawValue, to: &out)
        appendPayload(v, to: &out)
    }

    /// The value without its type code; arrays carry their element type and count.
    static func appendPayload(_ v: GGUFValue, to out: inout [UInt8]) {
        switch v {
        case .uint8(let x): append(x, to: &out)
        case .int8(let x): append(x, to: &out)
        case .uint16(let x): append(x, to: &out)
        case .int16(let x): append(x, to: &out)
        case .uint32(let x): append(x, to: &out)
        case .int32(let x): append(x, to: &out)
        case .uint64(let x): append(x, to: &out)
        case .int64(let x): append(x, to: &out)
        case .float32(let x): append(x.bitPattern, to: &out)
        case .float64(let x): append(x.bitPattern, to: &out)
        case .bool(let x): append(UInt8(x ? 1 : 0), to: &out)
        case .string(let s): appendString(s, to: &out)
        case .array(let a):
            append((a.first.map(typeCode(of:)) ?? .uint8).rawValue, to: &out)
            append(UInt64(a.count), to: &out)
            for e in a { appendPayload(e, to: &out) }
        }
    }
}
