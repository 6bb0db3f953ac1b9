import AugurGGUF

/// A read-only 2-D weight tensor in its stored (possibly quantized) format, viewed in place in the
/// mapped GGUF file: `rows` output features (N), each a row of `cols` input features (K) stored
/// as `cols / type.blockSize` consecutive blocks of `type.typeSize` bytes.
public struct WeightMatrix: @unchecked Sendable {
    public let type: GGMLType
    /// Output features N (GGUF `dimensions[1]`).
    public let rows: Int
    /// Input features K (GGUF `dimensions[0]`), a multiple of `type.blockSize`.
    public let cols: Int
    public let data: UnsafeRawPointer

    public init(type: GGMLType, rows: Int, cols: Int, data: UnsafeRawPointer) {
        precondition(cols % type.blockSize == 0, "row length \(cols) is not a whole number of \(type) blocks")
        self.type = type
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// Views tensor `name` of `file` as a matrix (1-D tensors are one row).
    /// - Throws: `GGUFError.missingTensor`, `.unsupportedTensorType`, `.badDimensions` for > 2-D tensors.
    public init(_ file: GGUFFile, _ name: String) throws {
        let info = try file.requireTensor(name)
        guard info.type.isSupported else { throw GGUFError.unsupportedTensorType(info.type, tensor: name) }
        guard info.dimensions.count <= 2 else {
            throw GGUFError.badDimensions(tensor: name, dims: info.dimensions.map(UInt64.init))
        }
        self.init(type: info.type, rows: info.rowCount, cols: info.rowLength, data: file.data(of: info).baseAddress!)
    }

    /// Bytes of one row.
    public var rowBytes: Int { cols / type.blockSize * type.typeSize }

    /// Start of row `r`.
    @inline(__always) public func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }
}
