import AugurModels
import AugurSampling

/// What the chain and tree decode steps share around one target pass.
enum StepSupport {
    /// The target's distributions for the first `rows` rows of `logits`, row r scored as the next
    /// token after `history + path(r)` (a draft's prefix, or a tree node's path): stateful
    /// processors (e.g. a repeat ban) accept the path provisionally and are rolled back after each
    /// row, so `sampler` ends as it began.
    /// - Throws: `SamplingError` from the sampler.
    static func targetDistributions(_ logits: Logits, rows: Int, sampler: Sampler, history: [Int32],
                                    path: (Int) -> ArraySlice<Int32>) throws -> [TokenDistribution] {
        var targets: [TokenDistribution] = []
        targets.reserveCapacity(rows)
        let vocab = logits.vocabSize
        try logits.values.withUnsafeBufferPointer { all in
            for r in 0..<rows {
                let tokens = path(r)
                let counts = sampler.processors.map { $0.acceptedCount }
                for t in tokens { sampler.accept(t) }
                let row = UnsafeBufferPointer(rebasing: all[(r * vocab)..<((r + 1) * vocab)])
                let p = try sampler.distribution(logits: row, history: tokens.isEmpty ? history : history + tokens)
                for (processor, count) in zip(sampler.processors, counts) { processor.rollback(to: count) }
                targets.append(p)
            }
        }
        return targets
    }

    /// Whether `sequence` continues `committed` (what the step emitted last), i.e. the same
    /// generation goes on; false when nothing is committed.
    static func continues(_ sequence: [Int32], _ committed: [Int32]?) -> Bool {
        guard let c = committed else { return false }
        return c.count <= sequence.count && sequence[..<c.count].elementsEqual(c)
    }
}
