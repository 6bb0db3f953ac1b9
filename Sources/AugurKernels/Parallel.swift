import AugurKernelsC
import Dispatch

/// Splits output rows of a matrix product over worker threads.
///
/// Uses `DispatchQueue.concurrentPerform` (its worker threads persist; ~1 µs per call on this
/// machine kind) with `threads` workers that take chunks of rows from a shared atomic counter, so
/// a worker slowed by other load simply takes fewer chunks. Nothing is allocated per call.
enum ParallelRows {
    /// Rows per chunk: about 8 chunks per thread, at least 16 rows, a multiple of 4.
    static func chunkSize(rows n: Int, threads: Int) -> Int {
        let c = max(16, n / max(1, threads * 8))
        return (c + 3) / 4 * 4
    }

    /// Calls `body(rowBegin, rowEnd, workerIndex)` for disjoint chunks covering `0..<rows`;
    /// `workerIndex` is in `0..<threads` and no two concurrent calls share one.
    static func run(rows n: Int, threads: Int, _ body: (Int, Int, Int) -> Void) {
        guard n > 0 else { return }
        let chunk = chunkSize(rows: n, threads: threads)
        let chunks = (n + chunk - 1) / chunk
        let t = min(threads, chunks)
        if t <= 1 {
            body(0, n, 0)
            return
        }
        var next: Int32 = 0
        withUnsafeMutablePointer(to: &next) { counter in
            DispatchQueue.concurrentPerform(iterations: t) { worker in
                while true {
                    let c = Int(augur_atomic_fetch_add(counter, 1))
                    if c >= chunks { break }
                    body(c * chunk, min(n, (c + 1) * chunk), worker)
                }
            }
        }
    }

    /// Most segments ``run(segmentCount:rows:threads:_:)`` takes.
    static let maxSegments = 4

    /// Like ``run(rows:threads:_:)`` over several row ranges at once (one dispatch): calls
    /// `body(segment, rowBegin, rowEnd)` for disjoint chunks covering `0..<rows(s)` of every
    /// segment `s < segmentCount`; each segment is chunked as it would be alone.
    static func run(segmentCount: Int, rows: (Int) -> Int, threads: Int, _ body: (Int, Int, Int) -> Void) {
        precondition(segmentCount >= 1 && segmentCount <= maxSegments)
        // (chunk size, first global chunk index) per segment; no heap allocation.
        var size = (0, 0, 0, 0), first = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &size) { sz in
            withUnsafeMutableBytes(of: &first) { fs in
                let chunkRows = sz.bindMemory(to: Int.self), start = fs.bindMemory(to: Int.self)
                for s in 0..<segmentCount {
                    let n = rows(s)
                    chunkRows[s] = chunkSize(rows: n, threads: threads)
                    start[s + 1] = start[s] + (n + chunkRows[s] - 1) / chunkRows[s]
                }
                let chunks = start[segmentCount]
                func claim(_ c: Int) {
                    var s = 0
                    while c >= start[s + 1] { s += 1 }
                    let r0 = (c - start[s]) * chunkRows[s]
                    body(s, r0, min(rows(s), r0 + chunkRows[s]))
                }
                let t = min(threads, chunks)
                if t <= 1 {
                    for c in 0..<chunks { claim(c) }
                    return
                }
                var next: Int32 = 0
                withUnsafeMutablePointer(to: &next) { counter in
                    DispatchQueue.concurrentPerform(iterations: t) { _ in
                        while true {
                            let c = Int(augur_atomic_fetch_add(counter, 1))
                            if c >= chunks { break }
                            claim(c)
                        }
                    }
                }
            }
        }
    }
}
