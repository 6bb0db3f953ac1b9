import AugurGGUF

/// Dequantization of every supported GGML type to Float (STUB: being written).
public enum Dequantize {
    /// Converts `count` elements (a whole number of blocks) of `type` at `src` into `dst`.
    public static func row(_ type: GGMLType, _ src: UnsafeRawPointer, count: Int, into dst: UnsafeMutablePointer<Float>) {
        fatalError("Dequantize.row not implemented yet for \(type)")
    }
}
