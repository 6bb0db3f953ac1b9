/// Bounds-checked little-endian reader over the mapped header of a GGUF file.
struct GGUFParser {
    struct Parsed {
        var version: UInt32
        var metadata: [String: GGUFValue]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
    }

    let bytes: UnsafeRawBufferPointer
    var pos = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Upper bound on dimensions per tensor (ggml's GGML_MAX_DIMS).
    static let maxDims: UInt32 = 4

    mutating func parse() throws -> Parsed {
        let magic: UInt32 = try read("magic")
        guard magic == 0x4655_4747 else { throw GGUFError.badMagic(found: magic) }
        let version: UInt32 = try read("version")
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(version) }
        let tensorCount: UInt64 = try read("tensor count")
        let kvCount: UInt64 = try read("metadata count")
        // Every key/value needs at least 12 bytes and every tensor info at least 28: a count that
        // could not fit in the file is absurd, whatever the file claims.
        guard kvCount <= UInt64(bytes.count / 12) else { throw GGUFError.absurdCount(what: "metadata count", value: kvCount) }
        guard tensorCount <= UInt64(bytes.count / 28) else { throw GGUFError.absurdCount(what: "tensor count", value: tensorCount) }

        var metadata: [String: GGUFValue] = [:]
        for _ in 0..<kvCount {
            let key = try readString()
            let rawType: UInt32 = try read("type of '\(key)'")
            let value = try readValue(type: rawType, key: key, depth: 0)
            // ggml (gguf.cpp) rejects repeated keys; silently keeping one would hide a broken file.
            guard metadata.updateValue(value, forKey: key) == nil else { throw GGUFError.duplicateKey(key) }
        }

        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard let v = a.intValue, v > 0, v & (v - 1) == 0 else {
                throw GGUFError.badAlignment(a.intValue ?? -1)
            }
            alignment = v
        }

        var raw: [(String, [Int], GGMLType, UInt64)] = []
        // The count is only bounded by the file size; reserve a little and let real entries grow it.
        raw.reserveCapacity(Int(min(tensorCount, 4096)))
        var seen = Set<String>()
        for _ in 0..<tensorCount {
            let name = try readString()
            let nDims: UInt32 = try read("dimension count of '\(name)'")
            guard nDims >= 1, nDims <= Self.maxDims else { throw GGUFError.absurdCount(what: "dimension count of '\(name)'", value: UInt64(nDims)) }
            var dims: [UInt64] = []
            for _ in 0..<nDims { dims.append(try read("dimensions of '\(name)'")) }
            let rawType: UInt32 = try read("type of '\(name)'")
            let offset: UInt64 = try read("offset of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else { throw GGUFError.unknownTensorType(rawType, tensor: name) }
            // Element count must be representable and not exceed what the file could hold.
            var count: UInt64 = 1
            for d in dims {
                let (c, o) = count.multipliedReportingOverflow(by: d)
                guard !o, d > 0, c <= UInt64(Int.max) / 8 else { throw GGUFError.badDimensions(tensor: name, dims: dims) }
                count = c
            }
            guard dims[0] % UInt64(type.blockSize) == 0 else { throw GGUFError.badDimensions(tensor: name, dims: dims) }
            guard seen.insert(name).inserted else { throw GGUFError.duplicateTensor(name) }
            // GGUF spec: every tensor's data starts at a multiple of the alignment (ggml rejects others).
            guard offset % UInt64(alignment) == 0 else {
                throw GGUFError.misalignedTensor(tensor: name, offset: offset, alignment: alignment)
            }
            raw.append((name, dims.map { Int($0) }, type, offset))
        }

        let dataStart = (pos + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(raw.count)
        for (name, dims, type, offset) in raw {
            let count = dims.reduce(1, *)
            guard let size = type.byteCount(elements: count) else { throw GGUFError.badDimensions(tensor: name, dims: dims.map(UInt64.init)) }
            guard offset <= UInt64(bytes.count) else {
                throw GGUFError.tensorOutOfBounds(tensor: name, end: Int(clamping: offset), fileSize: bytes.count)
            }
            let start = dataStart + Int(offset)
            let (end, o) = start.addingReportingOverflow(size)
            guard !o, end <= bytes.count else {
                throw GGUFError.tensorOutOfBounds(tensor: name, end: o ? Int.max : end, fileSize: bytes.count)
            }
            tensors.append(GGUFTensorInfo(name: name, dimensions: dims, type: type, offset: start, byteCount: size))
        }
        return Parsed(version: version, metadata: metadata, tensors: tensors, alignment: alignment)
    }

    mutating func read<T: FixedWidthInteger>(_ what: @autoclosure () -> String) throws -> T {
        let n = MemoryLayout<T>.size
        guard pos <= bytes.count - n else { throw GGUFError.truncated(what: what(), offset: pos) }
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: pos, as: T.self))
        pos += n
        return v
    }

    mutating func readString() throws -> String {
        let start = pos
        let len: UInt64 = try read("string length")
        guard len <= UInt64(bytes.count - pos) else { throw GGUFError.absurdStringLength(len, offset: start) }
        let n = Int(len)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + n)])
        pos += n
        // Not validated: a few vocabularies hold tokens that are not valid UTF-8; such bytes are
        // decoded with U+FFFD replacement characters instead of rejecting the whole file.
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func readValue(type: UInt32, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try read(key))
        case 1: return .int8(try read(key))
        case 2: return .uint16(try read(key))
        case 3: return .int16(try read(key))
        case 4: return .uint32(try read(key))
        case 5: return .int32(try read(key))
        case 6: return .float32(Float(bitPattern: try read(key)))
        case 7:
            let b: UInt8 = try read(key)
            return .bool(b != 0)
        case 8: return .string(try readString())
        case 9:
            guard depth < 4 else { throw GGUFError.absurdCount(what: "array nesting of '\(key)'", value: UInt64(depth)) }
            let elemType: UInt32 = try read("array type of '\(key)'")
            guard let elemSize = Self.minimumSize(ofValueType: elemType) else { throw GGUFError.unknownValueType(elemType, key: key) }
            let count: UInt64 = try read("array length of '\(key)'")
            // More elements than the remaining bytes could hold cannot be real.
            guard count <= UInt64(bytes.count - pos) / elemSize else { throw GGUFError.absurdCount(what: "array length of '\(key)'", value: count) }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(min(count, 1 << 16)))
            for _ in 0..<count { values.append(try readValue(type: elemType, key: key, depth: depth + 1)) }
            return .array(values)
        case 10: return .uint64(try read(key))
        case 11: return .int64(try read(key))
        case 12: return .float64(Double(bitPattern: try read(key)))
        default: throw GGUFError.unknownValueType(type, key: key)
        }
    }

    /// Fewest bytes one value of metadata type `type` occupies (strings: their length field;
    /// arrays: element type and count), or nil for an unknown type.
    static func minimumSize(ofValueType type: UInt32) -> UInt64? {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8, 10, 11, 12: return 8
        case 9: return 12
        default: return nil
        }
    }
}
