import AugurKernelsC
import Dispatch
import Foundation

/// Runs the parts of a job on the calling thread and on persistent worker threads that poll for
/// new work for ~2 ms after each job before they sleep (`worker_pool.c`). Between the ~100 matrix
/// products of one forward the workers are still polling, so a product starts on every core at
/// once, where `DispatchQueue.concurrentPerform` has to wake parked threads (futex wake-ups:
/// ~20–40 µs of latency and scheduler work per product, ~6 ms of a 1.5B decode step). One job
/// runs at a time; a call made while another runs (another thread, or from inside a part) and a
/// call with more parts than the pool has threads + 1 use `concurrentPerform` instead. Nothing is
/// allocated per call. `AUGUR_GCD_THREADS=1` in the environment leaves the pool without workers
/// (every job on `concurrentPerform`), to compare both in one build.
public enum WorkerPool {
    /// One worker per further core.
    nonisolated(unsafe) private static let pool = augur_pool_create(
        ProcessInfo.processInfo.environment["AUGUR_GCD_THREADS"] != nil
            ? 0 : Int32(max(0, ProcessInfo.processInfo.activeProcessorCount - 1)))

    /// Worker threads besides the caller.
    public static var workerCount: Int { Int(augur_pool_workers(pool)) }

    /// Calls `body(part)` for every part in `0..<parts`, concurrently, each exactly once; returns
    /// when all have returned. Part 0 runs on the calling thread.
    public static func run(parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        let ran = withoutActuallyEscaping(body) { escapable -> Bool in
            var job = escapable
            return withUnsafeMutablePointer(to: &job) { jobPointer in
                augur_pool_run(pool, Int32(parts), { context, part in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part))
                }, jobPointer) != 0
            }
        }
        if !ran { DispatchQueue.concurrentPerform(iterations: parts, execute: body) }
    }

    /// Calls `body(i, part)` for every `i` in `0..<count`, handing indices one at a time to `parts`
    /// participants (the caller and pool workers; default one per core), so a participant slowed by
    /// other load simply takes fewer; `part` is the participant's index in `0..<parts`, never shared
    /// by two concurrent calls.
    public static func forEach(_ count: Int, parts: Int? = nil, _ body: (_ index: Int, _ part: Int) -> Void) {
        var next: Int32 = 0
        withUnsafeMutablePointer(to: &next) { counter in
            run(parts: min(count, parts ?? workerCount + 1)) { part in
                while true {
                    let i = Int(augur_atomic_fetch_add(counter, 1))
                    if i >= count { break }
                    body(i, part)
                }
            }
        }
    }
}

/// Splits output rows of a matrix product over worker threads.
///
/// Hands chunks of rows to `threads` participants with ``WorkerPool/forEach(_:parts:_:)``.
/// Nothing is allocated per call.
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
        WorkerPool.forEach(chunks, parts: t) { c, worker in body(c * chunk, min(n, (c + 1) * chunk), worker) }
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
                WorkerPool.forEach(chunks, parts: min(threads, chunks)) { c, _ in claim(c) }
            }
        }
    }
}
