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
}
