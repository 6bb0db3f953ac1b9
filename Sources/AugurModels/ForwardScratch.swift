/// Activation buffers of one forward chunk (≤ `rows` tokens), allocated once per model and reused
/// by every call. Shapes are row-major, one row per token of the chunk.
final class ForwardScratch {
    let rows: Int
    /// Residual stream, `rows × embeddingLength`.
    let hidden: UnsafeMutablePointer<Float>
    /// Normalised residual (input of the projections), `rows × embeddingLength`.
    let normed: UnsafeMutablePointer<Float>
    /// Queries `rows × heads·headDim`; keys and values `rows × kvHeads·headDim`.
    let query, key, value: UnsafeMutablePointer<Float>
    /// Attention output per head, `rows × heads·headDim`.
    let attention: UnsafeMutablePointer<Float>
    /// Output of a projection back to the residual width, `rows × embeddingLength`.
    let projected: UnsafeMutablePointer<Float>
    /// FFN gate and up projections, `rows × feedForwardLength` each.
    let gate, up: UnsafeMutablePointer<Float>
    /// RoPE tables, `rows × headDim/2` each.
    let cos, sin: UnsafeMutablePointer<Float>
    /// Position of each row.
    let positions: UnsafeMutablePointer<Int>

    private var allocations: [UnsafeMutablePointer<Float>] = []

    init(config: ModelConfig, rows: Int) {
        self.rows = rows
        var made: [UnsafeMutablePointer<Float>] = []
        func buffer(_ width: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
            p.initialize(repeating: 0, count: rows * width)
            made.append(p)
            return p
        }
        let d = config.embeddingLength
        let qDim = config.headCount * config.headDim, kvDim = config.kvHeadCount * config.headDim
        hidden = buffer(d)
        normed = buffer(d)
        query = buffer(qDim)
        key = buffer(kvDim)
        value = buffer(kvDim)
        attention = buffer(qDim)
        projected = buffer(d)
        gate = buffer(config.feedForwardLength)
        up = buffer(config.feedForwardLength)
        cos = buffer(config.headDim / 2)
        sin = buffer(config.headDim / 2)
        positions = UnsafeMutablePointer<Int>.allocate(capacity: rows)
        positions.initialize(repeating: 0, count: rows)
        allocations = made
    }

    deinit {
        for p in allocations { p.deallocate() }
        positions.deallocate()
    }
}
