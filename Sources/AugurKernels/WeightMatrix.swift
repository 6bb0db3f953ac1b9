import AugurGGUF

/// Byte order of the blocks of a ``WeightMatrix``.
public enum WeightLayout: Sendable, Equatable {
    /// As in the GGUF file (ggml-common.h block structs).
    case stored
    /// Q4_K super-blocks with their 128 quant bytes rearranged so that every 32-byte vector holds
    /// 4 elements of each of the 8 sub-blocks (``GroupedQ4KMatrix``): byte 32t + 4l + r holds
    /// element 8t + r of sub-block l in its low nibble and 8t + 4 + r in its high nibble. Same
    /// size and values; the AVX2 kernel then needs one scale multiply per super-block and
    /// activation row instead of four.
    case q4KGrouped
}

/// A read-only 2-D weight tensor in its stored (possibly quantized) format, viewed in place in the
/// mapped GGUF file: `rows` output features (N), each a row of `cols` input features (K) stored
/// as `cols / type.blockSize` consecutive blocks of `type.typeSize` bytes (in `layout` order).
public struct WeightMatrix: @unchecked Sendable {
    public let type: GGMLType
    /// Byte order of the blocks (``WeightLayout/stored`` unless converted at load).
    public let layout: WeightLayout
    /// Output features N (GGUF `dimensions[1]`).
    public let rows: Int
    /// Input features K (GGUF `dimensions[0]`), a multiple of `type.blockSize`.
    public let cols: Int
    public let data: UnsafeRawPointer

    public init(type: GGMLType, rows: Int, cols: Int, data: UnsafeRawPointer, layout: WeightLayout = .stored) {
        precondition(cols % type.blockSize == 0, "row length \(cols) is not a whole number of \(type) blocks")
        precondition(layout == .stored || type == .q4_K, "layout \(layout) is for Q4_K only")
        self.type = type
        self.layout = layout
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

    /// Rows `start ..< start + count` as a matrix of their own (same type and layout, no copy).
    public func rows(_ start: Int, count: Int) -> WeightMatrix {
        precondition(start >= 0 && count >= 0 && start + count <= rows, "rows \(start)..<\(start + count) outside 0..<\(rows)")
        return WeightMatrix(type: type, rows: count, cols: cols, data: row(start), layout: layout)
    }
}
