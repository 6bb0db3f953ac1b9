/// Why a GGUF file could not be read. Every case names the problem; none of them crash.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case badMagic(found: UInt32)
    case unsupportedVersion(UInt32)
    /// The file ended while reading `what` at byte `offset`.
    case truncated(what: String, offset: Int)
    case absurdCount(what: String, value: UInt64)
    case absurdStringLength(UInt64, offset: Int)
    case unknownValueType(UInt32, key: String)
    case unknownTensorType(UInt32, tensor: String)
    case unsupportedTensorType(GGMLType, tensor: String)
    case badAlignment(Int)
    case badDimensions(tensor: String, dims: [UInt64])
    case tensorOutOfBounds(tensor: String, end: Int, fileSize: Int)
    case duplicateTensor(String)
    /// A metadata key appears more than once.
    case duplicateKey(String)
    /// A tensor's data offset is not a multiple of the file's alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    case missingTensor(String)
    case missingMetadata(String)
    case wrongMetadataType(key: String, expected: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open GGUF file \(path): \(reason)"
        case .badMagic(let m): return "not a GGUF file: magic is 0x\(String(m, radix: 16)), expected 0x46554747 (\"GGUF\")"
        case .unsupportedVersion(let v): return "unsupported GGUF version \(v) (supported: 2, 3)"
        case .truncated(let what, let offset): return "GGUF file is truncated: ran out of bytes reading \(what) at offset \(offset)"
        case .absurdCount(let what, let v): return "GGUF header claims an impossible \(what): \(v) (more than the file can hold: truncated or corrupt file)"
        case .absurdStringLength(let n, let offset): return "GGUF string at offset \(offset) claims length \(n), longer than the file"
        case .unknownValueType(let t, let key): return "unknown GGUF metadata value type \(t) for key '\(key)'"
        case .unknownTensorType(let t, let name): return "tensor '\(name)' has unknown tensor type \(t)"
        case .unsupportedTensorType(let t, let name): return "tensor '\(name)' has type \(t), which Augur does not support"
        case .badAlignment(let a): return "general.alignment is \(a); it must be a positive power of two"
        case .badDimensions(let name, let dims): return "tensor '\(name)' has invalid dimensions \(dims)"
        case .tensorOutOfBounds(let name, let end, let size): return "tensor '\(name)' ends at byte \(end), past the end of the file (\(size) bytes)"
        case .duplicateTensor(let name): return "tensor '\(name)' appears twice"
        case .duplicateKey(let key): return "metadata key '\(key)' appears twice"
        case .misalignedTensor(let name, let offset, let a): return "tensor '\(name)' has data offset \(offset), not a multiple of the alignment \(a)"
        case .missingTensor(let name): return "model file has no tensor '\(name)'"
        case .missingMetadata(let key): return "model file has no metadata key '\(key)'"
        case .wrongMetadataType(let key, let expected): return "metadata key '\(key)' is not \(expected)"
        }
    }
}
