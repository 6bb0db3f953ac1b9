import AugurGGUF
import AugurKernelsC

/// A Q4_K matrix rearranged into the ``WeightLayout/q4KGrouped`` layout, in memory this object owns
/// (64-byte aligned); ``matrix`` is valid while the object lives.
///
/// The rearrangement moves quant nibbles only (no value changes: dequantized, every weight is what
/// the stored matrix holds). Products with it follow the grouped canonical order
/// (``MatmulReference``, `dotReference_q4KGrouped_q8K`), which rounds differently from the stored
/// layout's order: a model uses one layout for a matrix throughout, so single-token decoding and
/// batched verification stay bit-identical to each other.
public final class GroupedQ4KMatrix: @unchecked Sendable {
    /// The rearranged matrix (same type, shape and values as the source).
    public let matrix: WeightMatrix
    private let storage: UnsafeMutableRawPointer

    /// Rearranges `source`.
    /// - Parameters:
    ///   - source: a Q4_K matrix in the stored layout.
    ///   - threads: workers converting row chunks in parallel.
    /// - Returns: nil for any other type or layout.
    public init?(_ source: WeightMatrix, threads: Int = Matmul.defaultThreadCount) {
        guard source.type == .q4_K, source.layout == .stored else { return nil }
        let rowBytes = source.rowBytes, blocksPerRow = rowBytes / 144
        storage = .allocate(byteCount: max(1, rowBytes * source.rows), alignment: 64)
        let out = storage
        ParallelRows.run(rows: source.rows, threads: max(1, threads)) { r0, r1, _ in
            augur_repack_q4_K_grouped(source.row(r0), out + r0 * rowBytes, blocksPerRow * (r1 - r0))
        }
        matrix = WeightMatrix(type: .q4_K, rows: source.rows, cols: source.cols, data: UnsafeRawPointer(storage),
                              layout: .q4KGrouped)
    }

    deinit { storage.deallocate() }

    /// Bytes of rearranged weights held.
    public var byteCount: Int { matrix.rowBytes * matrix.rows }
}
